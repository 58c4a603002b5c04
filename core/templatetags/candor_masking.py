"""``{{ text|mask_candidate_links }}``: a message's text as staff may see it (core.masking).

Staff pages that show what was sent to a candidate (the letter's sent text, the letter under a
question) run it through this filter, so no working candidate link is ever on a staff screen.
"""

from django import template

from core.masking import mask_candidate_links as _mask

register = template.Library()


@register.filter
def mask_candidate_links(text):
    """``text`` (str or None) with every candidate link's token replaced by ``[token]``."""
    return _mask(text) if isinstance(text, str) else text
