"""Email messages for feedback letters. STUB owned by the letters work: keep the signature."""

from django.core.mail import EmailMultiAlternatives
from django.utils.html import escape


def build_letter_message(letter) -> EmailMultiAlternatives:
    """The complete message for a letter: text + HTML parts and all headers."""
    candidate = letter.application.candidate
    msg = EmailMultiAlternatives(
        subject=letter.subject,
        body=letter.body,
        to=[candidate.email],
        headers={"Message-ID": letter.message_id},
    )
    msg.attach_alternative(f"<p>{escape(letter.body)}</p>", "text/html")
    return msg
