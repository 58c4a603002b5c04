"""The live quality check of feedback points on hiring's decision form.

hiring never imports feedback; its decision form asks for this view by URL name
(``feedback:point_check``) and posts the point rows to it with htmx as the decider types. The
answer is the check HR's letter review will run on the same words (``feedback.quality.check``):
one summary line, and each row's findings swapped into that row (``hx-swap-oob``).
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_POST

from core.permissions import staff_required
from feedback.quality import check as quality
from hiring.selectors import application_for

PREFIX = "points"
MAX_POINTS = 30  # hiring.forms.PointFormSet.absolute_max
MAX_LENGTH = 5000  # hiring.forms.PointForm fields


@login_required
@staff_required
@require_POST
def point_check(request):
    """Check the points being typed (not saved): ``points-N-observation`` / ``points-N-suggestion``
    for N below ``points-TOTAL_FORMS``; rows removed on the page are skipped. ``application``
    (optional): the application they are about, so the candidate's name is known to the check;
    404 if the user may not see it."""
    addressee = None
    if request.POST.get("application"):
        application = application_for(request.user, request.POST["application"])
        addressee = quality.Addressee.of(application.candidate)
    try:
        total = min(int(request.POST.get(f"{PREFIX}-TOTAL_FORMS", "0")), MAX_POINTS)
    except ValueError:
        total = 0
    indexes, points = [], []
    for index in range(max(total, 0)):
        observation = request.POST.get(f"{PREFIX}-{index}-observation")
        suggestion = request.POST.get(f"{PREFIX}-{index}-suggestion")
        if observation is None and suggestion is None:
            continue  # a row removed on the page
        indexes.append(index)
        points.append(((observation or "")[:MAX_LENGTH], (suggestion or "")[:MAX_LENGTH]))
    checker = quality.checker()
    typed = [
        (i, obs, sug) for i, (obs, sug) in zip(indexes, points, strict=True) if obs.strip() or sug.strip()
    ]
    results = (
        checker.check_points([(obs, sug) for _, obs, sug in typed], addressee=addressee) if typed else []
    )
    rows = []
    blocking = advisory = 0
    for (index, observation, suggestion), found in zip(typed, results, strict=True):
        row = {
            "index": index,
            "observation": quality.panel(observation, found["observation"]),
            "suggestion": quality.panel(suggestion, found["suggestion"]),
        }
        blocking += len(row["observation"]["blocking"]) + len(row["suggestion"]["blocking"])
        advisory += len(row["observation"]["advisory"]) + len(row["suggestion"]["advisory"])
        rows.append(row)
    empty = [i for i in indexes if i not in {row["index"] for row in rows}]
    return render(
        request,
        "feedback/quality/_point_check.html",
        {"rows": rows, "empty": empty, "blocking": blocking, "advisory": advisory, "checked": bool(rows)},
    )
