"""Message relations the outbound port sends: edits (``m.replace``) and thread replies
(``m.thread``), built on the adapter's rendering of a Reply (``render.to_content``)."""

from __future__ import annotations

from typing import Any

from bot.platforms.matrix.render import intentional_mentions, to_content
from bot.replies import Reply


def edit_content(event_id: str, reply: Reply) -> dict[str, Any]:
    """An edit of one of the bot's messages: clients show ``m.new_content``; the ``*``
    fallback is for clients that do not know edits. The edit itself notifies nobody (the
    top-level ``m.mentions`` is for people newly mentioned, and an edit is no call); the new
    content carries the reply's own mentions."""
    new = to_content(reply)
    return {
        "msgtype": new["msgtype"],
        "body": f"* {new['body']}",
        "format": new["format"],
        "formatted_body": f"* {new['formatted_body']}",
        "m.new_content": new,
        "m.mentions": intentional_mentions(),
        "m.relates_to": {"rel_type": "m.replace", "event_id": event_id},
    }


def in_thread(content: dict[str, Any], root_event_id: str) -> dict[str, Any]:
    """The content as a reply in the thread under ``root_event_id``; clients without threads
    show it as a plain reply to the root."""
    return {
        **content,
        "m.relates_to": {
            "rel_type": "m.thread",
            "event_id": root_event_id,
            "is_falling_back": True,
            "m.in_reply_to": {"event_id": root_event_id},
        },
    }
