from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"

    def ready(self):
        """Register feedback's kinds of email with the sending engine, and its no-hire hook with hiring.

        The one place where feedback plugs into the apps below it (docs/architecture.md).
        """
        from outbox.kinds import DeliveryKind, register_kind

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
                # Audited (reminder.sent / .failed / .unknown / .cancelled): HR sees and retries
                # failed reminders on the letter queue page.
                audit_prefix="reminder",
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
        register_kind(
            DeliveryKind(
                name="digest",
                model="feedback.LateDigest",
                builder="feedback.digest.build_digest_message",
                skip="feedback.digest.digest_skip_reason",
                select_related=("user",),
                # What the builders of a chunk read: the late items, once for all its digests.
                prepare="feedback.digest.digests_prepare",
                audit_prefix="digest",
                # <candor.digest.{day}.{hr|u<user id>}@domain>, as before the digest was a row.
                message_id_prefix="candor.digest",
                # It lists candidates by name: an erasure must not leave them in a stored copy.
                keep_bodies=False,
            )
        )

        # hiring's one hook (hiring/hooks.py): a no-hire drafts its letter in the same transaction.
        from feedback.letters.services import letter_draft_on_no_hire
        from hiring.hooks import register_no_hire_handler

        register_no_hire_handler(letter_draft_on_no_hire)

        # A decision withdrawn by HR (hiring/hooks.py): its draft letter is cancelled, or the
        # withdrawal refused once the letter is approved.
        from feedback.letters.services import letter_cancel_on_decision_withdrawn
        from hiring.hooks import register_decision_withdrawn_handler

        register_decision_withdrawn_handler(letter_cancel_on_decision_withdrawn)

        # The reapply dates approved letters promised, which hiring's cool-down honours
        # (hiring/hooks.py: promised_reapply_dates; hiring/cooldowns.py).
        from feedback.letters.progress import promised_reapply_dates
        from hiring.hooks import register_reapply_date_source

        register_reapply_date_source(promised_reapply_dates)

        # candidates' hook (candidates/hooks.py): when HR (or the candidate, reapplying) changes
        # a candidate's time zone, their pending reapply reminders move to the new zone's morning.
        from candidates.hooks import register_candidate_updated_handler
        from feedback.portal.services import reminders_follow_candidate

        register_candidate_updated_handler(reminders_follow_candidate)
