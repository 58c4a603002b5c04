"""STUB: reminder and answer emails. Replaced by the candidate-side work; keep the signatures."""


def build_reminder_message(reminder):
    raise NotImplementedError


def build_answer_message(request):
    raise NotImplementedError
