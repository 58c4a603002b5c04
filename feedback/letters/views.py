"""HR pages of letters: the queue and bulk approval, the editor, letter templates."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.dates import next_business_morning
from core.masking import mask_candidate_links
from core.permissions import hr_required
from feedback import placeholders
from feedback.letters import selectors
from feedback.letters import services as letter_services
from feedback.letters.emails import build_letter_message
from feedback.letters.findings import letter_findings, letters_check_summaries, text_checker
from feedback.letters.forms import BulkApproveForm, LetterApproveForm, LetterEditForm, LetterTemplateForm
from feedback.models import FeedbackLetter, LetterTemplate
from feedback.quality import rules as quality

QUEUE_PAGE_SIZE = 50
# The email preview is a whole HTML document with its own inline styles; it is
# shown in a sandboxed iframe and may run nothing and load nothing.
PREVIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox"
)


def _hr_view(view):
    return login_required(hr_required(view))


@_hr_view
@require_GET
def letter_queue(request):
    queue = selectors.letter_queue(user=request.user)
    page = Paginator(queue, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    letters = list(page)
    # The stored result where its key matches the letter's current content (read again here, so
    # a change by any path is seen); the others are checked now, in one batch, and stored.
    check = text_checker()
    summaries, inputs = letters_check_summaries(letters=letters, check=check)
    # The findings column shows how sure the check is of each finding: the letters with findings
    # are read again here from the content just loaded (no query; the stored result keeps counts).
    flagged = [
        letter
        for letter in letters
        if (summary := summaries.get(letter.pk))
        and (summary.blocking or summary.advisory)
        and letter.pk in inputs
    ]
    for letter in letters:
        letter.check_listing = []
    if flagged:
        for letter, found in zip(flagged, check.check([inputs[x.pk] for x in flagged]), strict=True):
            letter.check_listing = [row for row in found.listing() if not row.get("in_point")]
    rows = [(letter, summaries.get(letter.pk)) for letter in letters]
    now = timezone.now()
    for letter in letters:
        letter.sending = selectors.sending_state(letter, now=now, detail=False)
    return render(
        request,
        "feedback/letters/letter_queue.html",
        {
            "page": page,
            "rows": rows,
            "in_review": selectors.letters_in_review_count(user=request.user),
            "next_morning": next_business_morning(),
            # Sending problems, whatever page of the queue is shown (short indexed reads).
            "attention_letters": selectors.letters_needing_attention(user=request.user, now=now),
            "attention_reminders": selectors.reminders_needing_attention(user=request.user, now=now),
            "attention_limit": selectors.ATTENTION_LIMIT,
        },
    )


@_hr_view
@require_POST
def letters_bulk_approve(request):
    form = BulkApproveForm(request.POST)
    if not form.is_valid():
        errors = form.errors.get("letters") or form.errors.get("scope") or ["The selection is not valid."]
        messages.error(request, " ".join(errors))
        return redirect("feedback:letter_queue")
    if form.cleaned_data["scope"] == "all":
        # HR sees every letter (letters_visible_to); the service takes every letter in review.
        approved, skipped = letter_services.letters_bulk_approve(all_in_review=True, by=request.user)
    else:
        ids = [
            pk
            for pk in selectors.letters_visible_to(request.user)
            .filter(pk__in=form.cleaned_data["letters"])
            .values_list("pk", flat=True)
        ]
        approved, skipped = letter_services.letters_bulk_approve(letter_ids=ids, by=request.user)
    if approved:
        when = timezone.localtime(next_business_morning())
        messages.success(
            request,
            f"Approved {len(approved)} letter{'s' if len(approved) != 1 else ''}, "
            f"scheduled for {when:%A %d %B at %H:%M}.",
        )
    if skipped:
        names = dict(
            selectors.letters_visible_to(request.user)
            .filter(pk__in=list(skipped)[:20])
            .values_list("pk", "application__candidate__name")
        )
        shown = "; ".join(
            f"{names.get(pk, f'letter #{pk}')}: {reason}" for pk, reason in list(skipped.items())[:20]
        )
        more = f" and {len(skipped) - 20} more" if len(skipped) > 20 else ""
        messages.warning(request, f"Not approved ({len(skipped)}): {shown}{more}.")
    return redirect("feedback:letter_queue")


def _lint_url(letter) -> str:
    return reverse("feedback:letter_lint", args=[letter.pk])


APPROVAL_FLASH = "letter-approval-refused"


def _flash_refused_approval(request, letter, form, problem: str) -> None:
    """Keep what HR chose in the approval form (and why the reason was refused) across the
    redirect after a refused approval (Post/Redirect/Get), for the editor's next GET."""
    request.session[APPROVAL_FLASH] = {
        "letter": letter.pk,
        "when": form.cleaned_data.get("when") or "default",
        "send_at": (request.POST.get("send_at") or "")[:40],
        "override_reason": (form.cleaned_data.get("override_reason") or "")[:2000],
        "error": problem,
    }


def _approve_form_after_refusal(request, letter):
    """The approval form as HR left it before a refused approval (once), else None."""
    flash = request.session.get(APPROVAL_FLASH)
    if not isinstance(flash, dict) or flash.get("letter") != letter.pk:
        return None
    del request.session[APPROVAL_FLASH]
    form = LetterApproveForm(initial={k: flash.get(k, "") for k in ("when", "send_at", "override_reason")})
    if flash.get("error"):
        form.cleaned_data = {}
        form.add_error("override_reason", str(flash["error"]))
    return form


def _editor(request, letter, *, edit_form=None, approve_form=None, status=200):
    """The letter's page. With a bound ``edit_form`` (a refused save), the check and the editor
    show the text HR typed, so nothing on the screen is lost. The check and the highlights read
    the text as it would be stored (``stored_text``), so the highlighted spans are its findings'."""
    subject, body = letter.subject, letter.body
    if edit_form is not None and edit_form.is_bound:
        subject, body = letter_services.stored_text(
            (edit_form.data.get("subject") or "")[:300], (edit_form.data.get("body") or "")[:20000]
        )
    findings = letter_findings(letter=letter, subject=subject, body=body)
    # Staff never see a working candidate link: inert placeholders (links.PREVIEW_TOKEN).
    message = build_letter_message(letter, preview=True)
    context = {
        "letter": letter,
        "edit_form": edit_form
        or LetterEditForm(
            initial={
                "subject": letter.subject,
                "body": letter.body,
                "version": letter_services.letter_version(letter.subject, letter.body),
            },
            lint_url=_lint_url(letter),
        ),
        "approve_form": approve_form or _approve_form_after_refusal(request, letter) or LetterApproveForm(),
        "findings": findings,
        "live": subject != letter.subject or body != letter.body,
        "subject_html": quality.highlight(subject, findings.subject),
        "body_html": quality.highlight(body, findings.body),
        "message": message,
        "text_part": message.body,
        "html_part": message.alternatives[0][0] if message.alternatives else "",
        "events": selectors.letter_events(letter),
        "next_morning": next_business_morning(),
        "is_overdue": letter.deadline < timezone.now() and letter.status in selectors.UNSENT_STATUSES,
        "sending": selectors.sending_state(letter),
    }
    return render(request, "feedback/letters/letter_edit.html", context, status=status)


@_hr_view
@require_http_methods(["GET", "POST"])
def letter_edit(request, pk):
    letter = selectors.letter_for_user(user=request.user, pk=pk)
    if request.method == "GET":
        return _editor(request, letter)
    form = LetterEditForm(request.POST, lint_url=_lint_url(letter))
    if not form.is_valid():
        return _editor(request, letter, edit_form=form, status=400)
    try:
        letter_services.letter_edit(
            letter=letter,
            by=request.user,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            expected_version=form.cleaned_data["version"] or None,
        )
    except letter_services.LetterConflictError as exc:
        # Saved by someone else since this page was loaded: nothing saved, HR's text kept on screen.
        messages.error(request, str(exc))
        letter = selectors.letter_for_user(user=request.user, pk=pk)
        return _editor(request, letter, edit_form=form, status=409)
    except letter_services.LetterStateError as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:  # the model's own limits, next to the field
        form.add_error(None, exc)
        return _editor(request, letter, edit_form=form, status=400)
    else:
        messages.success(request, "Saved. The letter is in review.")
    return redirect(letter)


@_hr_view
@require_POST
def letter_lint(request, pk):
    """The findings of the text being typed (not saved): a partial for htmx."""
    letter = selectors.letter_for_user(user=request.user, pk=pk)
    subject, body = letter_services.stored_text(
        request.POST.get("subject", "")[:300], request.POST.get("body", "")[:20000]
    )
    findings = letter_findings(letter=letter, subject=subject, body=body)
    html = render_to_string(
        "feedback/letters/_findings.html",
        {
            "letter": letter,
            "findings": findings,
            "subject_html": quality.highlight(subject, findings.subject),
            "body_html": quality.highlight(body, findings.body),
            "live": True,
        },
        request=request,
    )
    return HttpResponse(html)


@_hr_view
@require_GET
@xframe_options_sameorigin
def letter_preview(request, pk):
    """The HTML part of the email, exactly as sent (or as it would be sent now)."""
    letter = selectors.letter_for_user(user=request.user, pk=pk)
    # Staff never see a working candidate link (core.masking): the sent HTML with its tokens
    # masked, or a preview whose links carry an inert placeholder (links.PREVIEW_TOKEN).
    if letter.status == FeedbackLetter.Status.SENT and letter.sent_html:
        html = mask_candidate_links(letter.sent_html)
    else:
        message = build_letter_message(letter, preview=True)
        html = message.alternatives[0][0]
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = PREVIEW_CSP
    response["Cache-Control"] = "no-store"
    return response


@_hr_view
@require_POST
def letter_approve(request, pk):
    """Approve what is on the screen: the editor's subject and text come with the approval (one
    form); if they differ from the saved ones they are saved first (audited), then checked.

    Refused because of the check's findings: redirected (Post/Redirect/Get) to the editor, the
    reason at the top and next to the override field (the edits are saved). Refused because the
    letter changed since the page was loaded (``version``): the page again (409) with HR's text,
    nothing saved."""
    letter = selectors.letter_for_user(user=request.user, pk=pk)
    form = LetterApproveForm(request.POST)
    on_screen = "subject" in request.POST or "body" in request.POST
    edit_form = LetterEditForm(request.POST, lint_url=_lint_url(letter)) if on_screen else None
    if not form.is_valid() or (edit_form is not None and not edit_form.is_valid()):
        return _editor(request, letter, approve_form=form, edit_form=edit_form, status=400)
    try:
        approved = letter_services.letter_approve(
            letter=letter,
            by=request.user,
            send_at=form.cleaned_data["send_at"],
            override_reason=form.cleaned_data["override_reason"],
            subject=form.cleaned_data["subject"] if "subject" in request.POST else None,
            body=form.cleaned_data["body"] if "body" in request.POST else None,
            expected_version=form.cleaned_data["version"] or None,
        )
    except letter_services.LetterConflictError as exc:
        messages.error(request, str(exc))
        letter = selectors.letter_for_user(user=request.user, pk=pk)
        return _editor(request, letter, approve_form=form, edit_form=edit_form, status=409)
    except letter_services.LetterFindingsError as exc:
        messages.error(request, str(exc))
        _flash_refused_approval(request, letter, form, exc.reason_problem or str(exc))
        return redirect(reverse("feedback:letter_edit", args=[letter.pk]))
    except letter_services.LetterStateError as exc:
        letter = selectors.letter_for_user(user=request.user, pk=pk)
        if letter.editable:
            form.add_error("send_at", str(exc))
            return _editor(request, letter, approve_form=form, edit_form=edit_form, status=400)
        messages.error(request, str(exc))
        return redirect(letter)
    when = timezone.localtime(approved.send_after)
    messages.success(request, f"Approved. It will be sent on {when:%A %d %B %Y at %H:%M}.")
    return redirect(letter)


@_hr_view
@require_POST
def letter_cancel(request, pk):
    letter = selectors.letter_for_user(user=request.user, pk=pk)
    try:
        letter_services.letter_cancel(letter=letter, by=request.user)
    except letter_services.LetterStateError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Sending cancelled. The letter is back in review.")
    return redirect(letter)


@_hr_view
@require_POST
def letter_retry(request, pk):
    letter = selectors.letter_for_user(user=request.user, pk=pk)
    try:
        letter_services.letter_retry(
            letter=letter, by=request.user, confirm_resend=request.POST.get("confirm_resend") == "yes"
        )
    except letter_services.LetterStateError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The letter will be sent again within a minute.")
    if request.POST.get("next") == "queue":  # the retry button of the queue's sending problems
        return redirect(reverse("feedback:letter_queue") + "#sending-problems")
    return redirect(letter)


@_hr_view
@require_POST
def reminder_retry(request, pk):
    """HR sends a failed (or, confirmed, an unknown) reapply reminder again; back to the queue."""
    reminder = selectors.reminder_for_user(user=request.user, pk=pk)
    try:
        letter_services.reminder_retry(
            reminder=reminder, by=request.user, confirm_resend=request.POST.get("confirm_resend") == "yes"
        )
    except letter_services.LetterStateError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The reminder will be sent again within a minute.")
    return redirect(reverse("feedback:letter_queue") + "#sending-problems")


# --- Templates --------------------------------------------------------------


@_hr_view
@require_GET
def template_list(request):
    templates = selectors.letter_templates_visible_to(request.user)
    return render(request, "feedback/letters/template_list.html", {"templates": templates})


def _template_form_page(request, template: LetterTemplate | None):
    instance = template or LetterTemplate()
    if request.method == "POST":
        form = LetterTemplateForm(request.POST, instance=instance)
        if form.is_valid():
            saved = letter_services.letter_template_save(
                template=form.instance, by=request.user, make_default=form.cleaned_data["make_default"]
            )
            messages.success(request, f"Template “{saved.name}” saved.")
            return redirect("feedback:template_list")
    else:
        form = LetterTemplateForm(instance=instance, initial={"make_default": instance.is_default})
    return render(
        request,
        "feedback/letters/template_edit.html",
        {
            "form": form,
            "template_obj": template,
            "letter_placeholders": placeholders.LETTER_PLACEHOLDERS,
            "subject_placeholders": placeholders.SUBJECT_PLACEHOLDERS,
            "html_placeholders": placeholders.HTML_PLACEHOLDERS,
        },
        status=400 if request.method == "POST" else 200,
    )


@_hr_view
@require_http_methods(["GET", "POST"])
def template_create(request):
    return _template_form_page(request, None)


@_hr_view
@require_http_methods(["GET", "POST"])
def template_edit(request, pk):
    template = selectors.letter_template_for_user(user=request.user, pk=pk)
    return _template_form_page(request, template)
