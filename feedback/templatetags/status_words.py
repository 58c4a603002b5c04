"""How a letter's or an answer's status reads, on HR's pages and the candidate's alike.

``{% load status_words %}`` then ``{{ letter|status_label }}`` or ``{{ request|status_label }}``:
the status's own label, except that one cancelled only because the candidate unsubscribed
(``letters.selectors.letter_on_page_only``, ``requests.selectors.answer_on_page_only``) reads
``NOT_EMAILED_LABEL``: it was approved and is on the candidate's page; it was not emailed. A
display label only: the stored status stays ``cancelled``.
"""

from django import template

from feedback.letters.selectors import letter_on_page_only
from feedback.models import FeedbackLetter, FeedbackRequest
from feedback.requests.selectors import answer_on_page_only

register = template.Library()

NOT_EMAILED_LABEL = "Not emailed (unsubscribed)"


@register.filter
def status_label(row) -> str:
    """The status of a ``FeedbackLetter`` or ``FeedbackRequest`` in words (see the module)."""
    if isinstance(row, FeedbackLetter) and letter_on_page_only(row):
        return NOT_EMAILED_LABEL
    if isinstance(row, FeedbackRequest) and answer_on_page_only(row):
        return NOT_EMAILED_LABEL
    return row.get_status_display()
