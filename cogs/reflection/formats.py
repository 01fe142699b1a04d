"""The co-reflection formats, their prompts and form fields, and the confidentiality agreement.

Every prompt is written in our own plain words. A post form has at most five fields (Discord's
modal limit), so Gibbs' six stages put the conclusion and the action plan in one field.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Format(StrEnum):
    WHAT = "what"
    GIBBS = "gibbs"
    CASE = "case"
    OPEN = "open"

    @property
    def label(self) -> str:
        return FORMATS[self].title


class Topic(StrEnum):
    DISCLOSURE = "disclosure"
    BOUNDARIES = "boundaries"
    ROLE_DRIFT = "role drift"
    GRIEF = "grief or activation"
    SOLO = "working solo"
    OTHER = "other"


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # at most 45 characters
    placeholder: str


@dataclass(frozen=True)
class Phase:
    name: str
    rule: str


@dataclass(frozen=True)
class FormatInfo:
    title: str
    intro: str
    fields: tuple[Field, ...]
    phases: tuple[Phase, ...] = ()

    def prompts(self) -> str:
        lines = [f"{self.title}: {self.intro}"]
        lines += [f"- {f.label}: {f.placeholder}" for f in self.fields]
        if self.phases:
            lines.append(
                "The facilitator moves the group through these steps with the Next phase "
                "button (or /reflect next):"
            )
            lines += [f"{i}. {p.name}: {p.rule}" for i, p in enumerate(self.phases, 1)]
        lines.append("Post with /reflect post; peerbot checks your words before they go in.")
        return "\n".join(lines)


CASE_PHASES = (
    Phase(
        "Presenting", "The presenter tells the situation; everyone else listens, no interrupting."
    ),
    Phase(
        "Clarifying questions", "Ask only questions that fill in facts; no advice, no opinions yet."
    ),
    Phase(
        "The presenter's question", "The presenter says what they most want help thinking about."
    ),
    Phase(
        "Reflections", "Share what you notice and wonder; the presenter listens without replying."
    ),
    Phase("What helped", "The presenter says what was useful; the group just listens."),
)

FORMATS: dict[Format, FormatInfo] = {
    Format.WHAT: FormatInfo(
        "What? So what? Now what?",
        "three short questions, in order.",
        (
            Field("what", "What happened?", "Just the facts of the situation, in general terms."),
            Field("so_what", "So what does it mean?", "Why it matters to you and your work."),
            Field("now_what", "Now what will you do?", "One next step, or a question to explore."),
        ),
    ),
    Format.GIBBS: FormatInfo(
        "Gibbs' reflective cycle",
        "walk around the situation one step at a time.",
        (
            Field("description", "What happened?", "Describe it briefly, in general terms."),
            Field("feelings", "What did you feel and think?", "At the time, and now."),
            Field("evaluation", "What went well, and what did not?", "Be fair to yourself."),
            Field("analysis", "Why do you think it went that way?", "What was going on."),
            Field("conclusion", "What you learned, and will do next", "Your plan for next time."),
        ),
    ),
    Format.CASE: FormatInfo(
        "Group case consultation",
        "one person presents a situation; the group helps them think, step by step.",
        (
            Field("situation", "The situation", "What happened, in general terms."),
            Field("question", "Your question for the group", "What you want help thinking about."),
        ),
        CASE_PHASES,
    ),
    Format.OPEN: FormatInfo(
        "Open reflection",
        "talk it through in your own way.",
        (Field("text", "What you want to share", "Anything on your mind about the work."),),
    ),
}

TOPIC_LABELS = {t: t.value for t in Topic}


def agreement(retention_days: int, seen_by: str | None = None) -> str:
    """The confidentiality agreement every participant accepts before joining. ``seen_by``
    says who, besides those who join, can technically see the thread (on Discord: server
    admins and people with Manage Threads in the channel)."""
    lines = [
        "Our confidentiality agreement:",
        "- Share nothing that could identify a person you support. A made-up name is not "
        "enough, because details add up: ask yourself 'could a stranger work out who this "
        "is?'. Leave out or blur names, places, dates and rare details.",
        "- What is shared here stays in this thread.",
        f"- This thread is deleted {retention_days} days after it closes. peerbot keeps who "
        "took part, the format, the topic and the times, never what was written.",
    ]
    if seen_by:
        lines.append(f"- {seen_by}")
    lines.append(
        "- peerbot is not a crisis service and nobody watches it around the clock. If "
        "someone is in danger now, call 000. Type /support for 24/7 lines."
    )
    return "\n".join(lines)
