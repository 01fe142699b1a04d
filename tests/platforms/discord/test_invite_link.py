"""The README's invite link asks for exactly the permissions its table explains."""

from __future__ import annotations

import re
from pathlib import Path

import discord

from bot.platforms.discord.commands_payload import STAFF_MARKER

README = Path(__file__).resolve().parents[3] / "README.md"

#: The table's wording -> discord.py's name for the permission.
NAMES = {
    "View Channels": "view_channel",
    "Send Messages": "send_messages",
    "Send Messages in Threads": "send_messages_in_threads",
    "Create Private Threads": "create_private_threads",
    "Manage Threads": "manage_threads",
    "Embed Links": "embed_links",
    "Attach Files": "attach_files",
    "Read Message History": "read_message_history",
    "Manage Messages": "manage_messages",
    "Manage Channels": "manage_channels",
    "Manage Roles": "manage_roles",
    "Create Events": "create_events",
    "Mention Everyone": "mention_everyone",
    "Pin Messages": "pin_messages",
    "View Server Insights": "view_guild_insights",
}


def test_the_invite_link_asks_for_what_the_table_explains() -> None:
    text = README.read_text(encoding="utf-8")
    asked = int(re.search(r"permissions=(\d+)", text).group(1))  # type: ignore[union-attr]
    section = text[text.index("| permission | why |") :]
    rows = re.findall(r"^\s*\| ([A-Z][^|]*?) \| ", section.split("\n\n")[0], re.MULTILINE)
    explained = discord.Permissions(**{NAMES[row]: True for row in rows})
    assert discord.Permissions(asked) == explained
    assert asked & STAFF_MARKER, "set-up gives the staff roles this, so peerbot must hold it"
