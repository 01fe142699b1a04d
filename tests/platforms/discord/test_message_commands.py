"""Commands on a message: the neutral spec, its Discord payload (type 3, no description or
options, a readable name), and the registry refusing a label twice."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from bot.commands import Context, MessageTarget, Role, message_command
from bot.permissions import AdminsOnlyDirectory
from bot.platforms.discord.commands_payload import build_message_commands
from bot.registry import DuplicateCommand, Registry
from bot.replies import Reply


class Reporter:
    name = "reporter"

    @message_command("Report to coordinators", role=Role.MEMBER)
    async def report(self, ctx: Context, target: MessageTarget) -> Reply:
        return Reply.private_text(target.link)


def test_a_message_command_becomes_a_discord_message_command() -> None:
    registry = Registry(AdminsOnlyDirectory(frozenset()), FakeClock())
    registry.add_cog(Reporter())
    assert build_message_commands(registry.message_commands.values()) == [
        {
            "type": 3,
            "name": "Report to coordinators",
            "contexts": [0],
            "integration_types": [0],
            "default_member_permissions": None,
        }
    ]
    with pytest.raises(DuplicateCommand, match="registered twice"):
        registry.add_cog(Reporter())


def test_labels_longer_than_discord_allows_are_refused() -> None:
    with pytest.raises(ValueError, match="1 to 32 characters"):
        message_command("Report this message to the network's coordinators")
