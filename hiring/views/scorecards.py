"""The scorecard page: the interviewer writes a draft, submits it, then reads it locked."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.permissions import staff_required
from hiring import predicates, selectors
from hiring.forms import RatingForm, ScorecardForm
from hiring.models import Scorecard
from hiring.services.scorecards import ScorecardError, scorecard_save


@login_required
@staff_required
@require_http_methods(["GET", "POST"])
def scorecard(request, pk):
    interview = selectors.interview_of(request.user, pk)
    application = interview.application
    card = Scorecard.objects.filter(interview=interview).first()
    criteria = list(interview.stage.criteria.order_by("position", "id"))
    ratings = selectors.scorecard_ratings(card)
    if card is not None and card.locked:
        if request.method == "POST":
            messages.error(request, "This scorecard is submitted and locked; it cannot be changed.")
            return redirect("hiring:scorecard", pk=interview.pk)
        rows = [{"criterion": c, "rating": ratings.get(c.pk)} for c in criteria]
        return render(
            request,
            "hiring/scorecard_done.html",
            {
                "interview": interview,
                "application": application,
                "scorecard": card,
                "rows": rows,
                "can_decide": predicates.can_decide(request.user, application)
                and not application.decisions.filter(stage_id=application.current_stage_id).exists(),
            },
        )
    data = request.POST if request.method == "POST" else None
    rating_forms = [
        RatingForm(
            data,
            prefix=f"c{c.pk}",
            criterion=c,
            initial=(
                {
                    "score": ratings[c.pk].score,
                    "evidence": ratings[c.pk].evidence,
                    "shareable_note": ratings[c.pk].shareable_note,
                }
                if c.pk in ratings
                else None
            ),
        )
        for c in criteria
    ]
    form = ScorecardForm(
        data, initial={"recommendation": card.recommendation, "summary": card.summary} if card else None
    )
    if request.method == "POST" and form.is_valid() and all(f.is_valid() for f in rating_forms):
        submit = request.POST.get("action") == "submit"
        try:
            scorecard_save(
                interview=interview,
                by=request.user,
                ratings=[{"criterion": f.criterion, **f.cleaned_data} for f in rating_forms],
                submit=submit,
                **form.cleaned_data,
            )
        except ScorecardError as exc:
            by_criterion = {f.criterion.pk: f for f in rating_forms}
            for key, message in exc.errors.items():
                if key == "recommendation":
                    form.add_error("recommendation", message)
                else:
                    by_criterion[key[0]].add_error(key[1], message)
            if not exc.errors:
                form.add_error(None, exc.message)
        else:
            if submit:
                messages.success(request, "Scorecard submitted. It is now locked.")
            else:
                messages.success(request, "Draft saved. Only you can see it until you submit it.")
            return redirect("hiring:scorecard", pk=interview.pk)
    return render(
        request,
        "hiring/scorecard_form.html",
        {
            "interview": interview,
            "application": application,
            "form": form,
            "rating_forms": rating_forms,
            "has_errors": request.method == "POST",
        },
    )
