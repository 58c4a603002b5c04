"""The judges themselves: each must catch what it is there to catch, or the other tests prove nothing."""

import pytest

from tests.support import quality_tools

SPAM = b"""\
From: winner@prizes.example
To: someone@example.com
Subject: FREE VIAGRA!!! CLICK NOW

Buy cheap viagra now!!! 100% free guaranteed, click here http://bit.ly/x
"""


@pytest.mark.browser
def test_axe_reports_an_unlabelled_field_and_an_image_without_text(page):
    quality_tools.require("axe")
    page.set_content(
        '<!doctype html><html lang="en"><head><title>t</title></head>'
        '<body><main><h1>t</h1><img src="x.png"><input type="text"></main></body></html>'
    )
    found = {v["id"] for v in quality_tools.axe_check(page)}
    assert {"image-alt", "label"} <= found


def test_nu_checker_reports_errors_per_document_and_passes_a_valid_one():
    quality_tools.require("vnu")
    errors = quality_tools.vnu_check(
        {
            "broken": '<!doctype html><html lang="en"><head><title>t</title></head><body><p>a<div></p>',
            "valid": '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title></head>'
            "<body><p>fine</p></body></html>",
        }
    )
    assert errors
    assert {e.name for e in errors} == {"broken"}


def test_spamassassin_scores_obvious_spam_high_and_a_plain_letter_low_in_one_batch():
    quality_tools.require("spamassassin")
    letter = (
        b"From: Candor <feedback@candor.example>\r\nTo: sam@example.com\r\n"
        b"Subject: Your application\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\n"
        b"Message-ID: <letter.1@candor.example>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nThank you for interviewing with us.\r\n"
    )
    reports = quality_tools.spamassassin_reports([letter, SPAM, letter])
    assert [r.score < 2.0 for r in reports] == [True, False, True]
    assert reports[1].score >= 5.0
    assert "DRUG_ED_CAPS" in {rule for _, rule, _ in reports[1].rules}


def test_nu_checker_ignores_only_htmx_attributes():
    quality_tools.require("vnu")
    head = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title></head><body>'
    errors = quality_tools.vnu_check(
        {
            "htmx": head + '<button type="button" hx-get="/x" hx-target="#y">Go</button></body></html>',
            "other attribute": head + '<button type="button" foo-get="/x">Go</button></body></html>',
        }
    )
    assert [e.name for e in errors] == ["other attribute"]
