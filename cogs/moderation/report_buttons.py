"""The buttons on a report's notices, and the action ids they lead to.

They travel as action references (an id and the report's number), never closures, so a
notice in a coordinator's direct messages still works weeks later, after restarts.
"""

from __future__ import annotations

from bot.replies import ActionRef, Button, ButtonStyle

FILE_ACTION = "report-message"  # the form opened from a message's menu
CLAIM_ACTION = "report-claim"
REPLY_ACTION = "report-reply"  # opens the form; the form's action sends it
REPLY_SEND_ACTION = "report-reply-send"
ANSWER_ACTION = "report-answer"  # the reporter's button under a reply
ANSWER_SEND_ACTION = "report-answer-send"
REMOVE_ACTION = "report-remove"


def notice_buttons(report_id: int, *, with_message: bool) -> list[Button]:
    """What a coordinator can do from the notice: take it, reply, remove the message."""
    payload = str(report_id)
    buttons = [
        Button(
            label="I'll take this",
            action=ActionRef(action=CLAIM_ACTION, payload=payload),
            style=ButtonStyle.PRIMARY,
        ),
        Button(
            label="Reply to the reporter", action=ActionRef(action=REPLY_ACTION, payload=payload)
        ),
    ]
    if with_message:
        buttons.append(
            Button(
                label="Remove the message",
                action=ActionRef(action=REMOVE_ACTION, payload=payload),
                style=ButtonStyle.DANGER,
            )
        )
    return buttons


def answer_button(report_id: int) -> Button:
    return Button(
        label="Answer the coordinators",
        action=ActionRef(action=ANSWER_ACTION, payload=str(report_id)),
    )


def reply_button(report_id: int) -> Button:
    return Button(
        label="Reply to the reporter",
        action=ActionRef(action=REPLY_ACTION, payload=str(report_id)),
    )
