"""STUB: the feedback quality check. Replaced by the quality-check work; keep the API."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    category: str  # boilerplate | personal_attribute | no_observation | no_suggestion
    start: int
    end: int
    text: str
    message: str
    suggestion: str = ""


def check_text(text: str, *, extra_rules=()) -> list[Finding]:
    return []


def check_point(observation: str, suggestion: str, *, extra_rules=()) -> dict[str, list[Finding]]:
    return {"observation": [], "suggestion": []}
