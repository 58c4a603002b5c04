"""What the engine tells HR about a failed send, and which failures stop a chunk."""

import smtplib

from outbox.errors import NoRecipientError, explain_failure, failure_concerns_one_message, smtp_timed_out


def test_smtp_errors_are_explained_for_hr():
    permanent, reason = explain_failure(
        smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"5.1.1 No such user")})
    )
    assert permanent and reason == "The mail server refused the recipient's address (550 5.1.1 No such user)."
    permanent, reason = explain_failure(
        smtplib.SMTPRecipientsRefused({"a@example.com": (452, b"4.2.2 Mailbox full")})
    )
    assert not permanent
    assert explain_failure(smtplib.SMTPDataError(554, b"5.7.1 Spam"))[0] is True
    assert explain_failure(smtplib.SMTPDataError(451, b"4.3.0 Later"))[0] is False
    assert explain_failure(TimeoutError())[0] is False


def test_a_message_without_recipient_or_that_cannot_be_serialised_is_permanent():
    assert explain_failure(NoRecipientError("The message has no recipient address.")) == (
        True,
        "The message has no recipient address.",
    )
    permanent, reason = explain_failure(ValueError("Header values may not contain linefeed"))
    assert permanent and reason.startswith("The message could not be sent (ValueError:")


def test_a_read_timeout_mid_session_is_told_apart_from_a_dropped_connection(settings):
    settings.EMAIL_TIMEOUT = 7
    try:
        try:
            raise TimeoutError("timed out")
        except TimeoutError:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed: timed out") from None
    except smtplib.SMTPServerDisconnected as exc:
        timed_out = exc
    dropped = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    assert smtp_timed_out(timed_out) and not smtp_timed_out(dropped)
    assert explain_failure(timed_out) == (False, "The mail server did not answer within 7 seconds.")
    assert explain_failure(dropped) == (False, "The mail server closed the connection.")


def test_only_a_recipients_or_a_messages_own_failure_lets_a_chunk_go_on():
    assert failure_concerns_one_message(smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"no")}))
    assert failure_concerns_one_message(smtplib.SMTPDataError(554, b"5.7.1 Spam"))
    assert failure_concerns_one_message(NoRecipientError("none"))
    assert not failure_concerns_one_message(smtplib.SMTPDataError(421, b"closing"))
    assert not failure_concerns_one_message(ConnectionRefusedError(111, "refused"))
    assert not failure_concerns_one_message(smtplib.SMTPServerDisconnected("gone"))
