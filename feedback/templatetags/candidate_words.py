"""Words that every page and email a candidate reads must say the same way.

``{% load candidate_words %}`` then ``{% fresh_panel_promise %}``: the promise about the panel
of a reapplication (``feedback.placeholders.FRESH_PANEL_PROMISE``, which the default letter
template uses too), so the pages, the reminder and the letter cannot drift apart.
"""

from django import template

from feedback.placeholders import FRESH_PANEL_PROMISE

register = template.Library()


@register.simple_tag
def fresh_panel_promise() -> str:
    """The promise, lower-case, without a full stop: "If you reapply, {% fresh_panel_promise %}." """
    return FRESH_PANEL_PROMISE
