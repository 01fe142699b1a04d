"""Tests for the networks cog, and helpers the cog tests share.

The helpers start the real ``App`` (every cog in ``cogs.ALL_COGS``) on a data folder in
``tmp_path`` and run commands and button presses through the registry, the path every
platform adapter takes.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from bot.app import App
from bot.clock import Clock
from bot.commands import Role
from bot.identity import UserRef
from bot.kernel import Kernel
from bot.mentions import PLAIN, render_marks
from bot.registry import ActionInvocation, Invocation
from bot.replies import ActionRef, Reply
from config.settings import Settings, load_settings

Label = TypeVar("Label", bound=Hashable)
ADMIN_ID = "admin"
ADMIN_KEY = f"console:{ADMIN_ID}"


def settings_for(data_dir: Path, **extra_environ: str) -> Settings:
    """Settings as the bot reads them, from an environment that names only the data folder."""
    environ = {"PEERBOT_DATA_DIR": str(data_dir), "PEERBOT_ADMINS": ADMIN_KEY, **extra_environ}
    return load_settings(None, environ=environ)


def as_console_shows(reply: Reply) -> Reply:
    """The reply with people, places and times written as the console shows them (names,
    local times) instead of the neutral marks cogs write."""
    return render_marks(reply, PLAIN)


def user(user_id: str) -> UserRef:
    return UserRef(platform="console", id=user_id)


async def invoke(kernel: Kernel, user_id: str, command: str, /, **arguments: Any) -> Reply:
    """Run ``/command`` as the console user ``user_id``, outside any channel.

    The leading parameters are positional-only, so a command option called ``name`` (as in
    /network create) can be passed as a keyword.
    """
    invocation = Invocation(user=user(user_id), place=None, name=command, arguments=arguments)
    return as_console_shows(await kernel.registry.invoke(invocation))


async def press(kernel: Kernel, user_id: str, action: ActionRef) -> Reply:
    """Press a button (an ``ActionRef`` from an earlier reply) as the console user ``user_id``."""
    invocation = ActionInvocation(user=user(user_id), place=None, action=action)
    return as_console_shows(await kernel.registry.invoke_action(invocation))


async def networks_with_people(
    kernel: Kernel,
    networks: Sequence[tuple[Label, str, str, str | None]],
    people: Sequence[tuple[Label, str, Role]],
) -> dict[Label, int]:
    """Create networks, as (label, name, slug, time zone or None), and give each person
    (label, console id, role) their role; the network ids by label."""
    ids: dict[Label, int] = {}
    directory = kernel.registry.directory
    for label, name, slug, zone in networks:
        extra = {"timezone": zone} if zone else {}
        reply = await invoke(kernel, ADMIN_ID, "network create", name=name, slug=slug, **extra)
        assert reply.text.startswith("Created the network"), reply.text
        found = await directory.network_by_slug(slug)
        assert found is not None
        ids[label] = found.id
    for label, who, role in people:
        await directory.assign_role(f"console:{who}", ids[label], role)
    return ids


class Apps:
    """Starts real Apps on the same settings and clock, and stops every one of them at the end."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self.started: list[App] = []

    async def start(self) -> tuple[App, Kernel]:
        app = App(self.settings, clock=self.clock)
        self.started.append(app)
        return app, await app.start_without_worker()

    async def stop_all(self) -> None:
        for app in reversed(self.started):
            await app.stop()  # a no-op for an App a test already stopped
