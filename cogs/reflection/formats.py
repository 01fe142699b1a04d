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
    IPS = "ips"
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
    #: The form of the person whose situation it is (the starter, the presenter).
    fields: tuple[Field, ...]
    phases: tuple[Phase, ...] = ()
    #: The form of everyone else, who respond to what was shared; empty: the same form.
    peer_fields: tuple[Field, ...] = ()
    #: Case consultation: one form a phase, for the presenter and for the peers.
    presenter_by_phase: tuple[Field, ...] = ()
    peer_by_phase: tuple[Field, ...] = ()

    def fields_for(self, *, presenter: bool, phase: int) -> tuple[Field, ...]:
        """The form that fits this person's role and the phase the group is in, so a peer
        is not asked "What happened?" about someone else's situation."""
        by_phase = self.presenter_by_phase if presenter else self.peer_by_phase
        if by_phase:
            return (by_phase[min(max(phase, 0), len(by_phase) - 1)],)
        if not presenter and self.peer_fields:
            return self.peer_fields
        return self.fields

    def all_fields(self) -> dict[str, Field]:
        """Every field of every form, by name: a held post is posted under its own labels
        even if the phase moved on meanwhile."""
        every = (*self.fields, *self.peer_fields, *self.presenter_by_phase, *self.peer_by_phase)
        return {f.name: f for f in every}

    def prompts(self) -> str:
        lines = [f"{self.title}: {self.intro}"]
        if self.presenter_by_phase:
            lines.append("The form follows your role and the step the group is in.")
        else:
            lines += [f"- {f.label}: {f.placeholder}" for f in self.fields]
        if self.peer_fields:
            lines.append("Everyone else responds with:")
            lines += [f"- {f.label}: {f.placeholder}" for f in self.peer_fields]
        if self.phases:
            lines.append(
                "The facilitator moves the group through these steps with the Next phase "
                "button (or /reflect next):"
            )
            lines += [f"{i}. {p.name}: {p.rule}" for i, p in enumerate(self.phases, 1)]
        lines.append(
            "Post with /reflect post; peerbot checks your words before they go in, but no check "
            "catches everything."
        )
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

#: What the presenter is asked at each case consultation phase (one field: one thing to do).
CASE_PRESENTER = (
    Field("situation", "What happened", "The situation, in general terms."),
    Field("answers", "Your answers to the questions", "Fill in the facts they asked about."),
    Field("question", "Your question for the group", "What you most want help thinking about."),
    Field("noticing", "What you notice as you listen", "No need to reply to anyone yet."),
    Field("helped", "What was useful to you", "What you will take with you."),
)
#: What everyone else is asked at each phase.
CASE_PEER = (
    Field("listening", "A welcome, or that you are listening", "Save questions for the next step."),
    Field("clarifying", "A clarifying question", "Facts only: no advice, no opinions yet."),
    Field("waiting", "A short note, if you need one", "The presenter is about to ask the group."),
    Field("reflection", "What you notice and wonder", "Offer it; the presenter need not reply."),
    Field("closing", "A word back, if you like", "The presenter is saying what helped."),
)

#: Responding to someone else's reflection, in the three-question and Gibbs formats.
RESPONDER = (
    Field("noticed", "What you noticed in what they shared", "Say it back in your own words."),
    Field("own", "Something from your own work", "A time like it, if you have one."),
    Field("question", "A question that might help them", "Open, not advice in disguise."),
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
        peer_fields=RESPONDER,
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
        peer_fields=RESPONDER,
    ),
    Format.CASE: FormatInfo(
        "Group case consultation",
        "one person presents a situation; the group helps them think, step by step.",
        (
            Field("situation", "The situation", "What happened, in general terms."),
            Field("question", "Your question for the group", "What you want help thinking about."),
        ),
        CASE_PHASES,
        presenter_by_phase=CASE_PRESENTER,
        peer_by_phase=CASE_PEER,
    ),
    # Inspired by the four tasks of Intentional Peer Support (connection, worldview, mutuality,
    # moving towards); the prompts are peerbot's own words, not the curriculum's.
    Format.IPS: FormatInfo(
        "Intentional Peer Support style",
        "think about a peer relationship through connection, how each of you sees things, "
        "what goes both ways, and where you are heading.",
        (
            Field(
                "connection",
                "Where did you connect, or lose it?",
                "A moment you felt with them, or apart.",
            ),
            Field(
                "worldview",
                "How did each of you make sense of it?",
                "Your way of seeing it, theirs, and where they differed.",
            ),
            Field(
                "mutuality",
                "What went both ways between you?",
                "What each of you gave and learnt; where it felt one-sided.",
            ),
            Field(
                "moving_towards",
                "What are you both moving towards?",
                "What you want more of, rather than what to get away from.",
            ),
        ),
        peer_fields=(
            Field(
                "connection_peer",
                "Where you felt connected to what they said",
                "Say what touched you.",
            ),
            Field(
                "worldview_peer",
                "How you see it from where you stand",
                "Your view, offered, not as the right one.",
            ),
            Field(
                "towards_peer",
                "A question about what they are moving towards",
                "Curious, not fixing.",
            ),
        ),
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
