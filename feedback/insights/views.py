"""HR's dashboard and insight pages: figures, no personal data beyond the next letters due."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.permissions import hr_required
from feedback.insights import selectors as insight_selectors
from feedback.letters import selectors as letter_selectors


def _hr_view(view):
    return login_required(hr_required(view))


@_hr_view
@require_GET
def hr_home(request):
    figures = insight_selectors.hr_home_figures()
    next_letters = letter_selectors.letter_queue(user=request.user)[:5]
    return render(
        request,
        "feedback/insights/hr_home.html",
        {
            "figures": figures,
            "next_letters": next_letters,
            "sending_stalled": insight_selectors.sending_stalled_warning(),
            # Letters whose message bounced (outbox.reports): HR fixes the address and sends again.
            "bounced_letters": letter_selectors.letters_bounced()[:5],
        },
    )


def _days(value) -> float | None:
    return round(value.total_seconds() / 86400, 1) if value is not None else None


@_hr_view
@require_GET
def insights(request):
    figures = insight_selectors.insight_figures()
    chart_data = {
        "funnel": {
            "labels": [row["title"] for row in figures["funnel"]],
            "series": [
                {"label": "Applied", "data": [row["applied"] for row in figures["funnel"]]},
                {"label": "Interviewed", "data": [row["interviewed"] for row in figures["funnel"]]},
                {"label": "Not hired", "data": [row["not_hired"] for row in figures["funnel"]]},
                {"label": "Hired", "data": [row["hired"] for row in figures["funnel"]]},
                {"label": "Letters sent", "data": [row["letters_sent"] for row in figures["funnel"]]},
            ],
        },
        "ratings": {"labels": ["1", "2", "3", "4", "5"], "data": figures["ratings"]["distribution"]},
    }
    return render(
        request,
        "feedback/insights/insights.html",
        {
            "figures": figures,
            "median_days": _days(figures["median_wait"]),
            "p90_days": _days(figures["p90_wait"]),
            "chart_data": chart_data,
        },
    )
