from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"

    def ready(self):
        """Register feedback's kinds of email with the sending engine, and its no-hire hook with hiring.

        The one place where feedback plugs into the apps below it (docs/architecture.md).
        """
        from outbox.services import DeliveryKind, register_kind

        register_kind(
            DeliveryKind(
                name="letter",
                model="feedback.FeedbackLetter",
                builder="feedback.letters.emails.build_letter_message",
                skip="feedback.letters.emails.letter_skip_reason",
                # What build_letter_message reads, in one query.
                select_related=(
                    "application__candidate",
                    "application__job",
                    "decision__decided_by",
                    "decision__application__job",
                    "template",
                ),
                prepare="feedback.letters.emails.letters_prepare",
                audit_prefix="letter",
            )
        )
        register_kind(
            DeliveryKind(
                name="reminder",
                model="feedback.ReapplyReminder",
                builder="feedback.portal.emails.build_reminder_message",
                skip="feedback.portal.emails.reminder_skip_reason",
                select_related=("candidate", "application__job"),
            )
        )
        register_kind(
            DeliveryKind(
                name="answer",
                model="feedback.FeedbackRequest",
                builder="feedback.portal.emails.build_answer_message",
                skip="feedback.portal.emails.answer_skip_reason",
                select_related=("letter__application__candidate", "letter__application__job", "answered_by"),
                audit_prefix="answer",
            )
        )
