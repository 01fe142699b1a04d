"""Every command, every role: who may run it. A new command fails here until it is added.

Each command runs on a fresh database through the registry, as each kind of person, in the
network "coast" (a second network, "inland", has its own coordinator). A refusal is recognised
by the kernel's refusal wording; anything else (including "needs the option ...") means the
person got past the permission check.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import App
from bot.clock import FakeClock
from bot.commands import Role
from bot.identity import PlaceRef, UserRef
from bot.registry import Invocation
from config.settings import load_settings

# The role each command needs, in the network it acts on.
EXPECTED: dict[str, Role] = {
    "help": Role.EVERYONE,
    "support": Role.EVERYONE,
    "privacy policy": Role.EVERYONE,
    "privacy export": Role.EVERYONE,
    "privacy delete": Role.EVERYONE,
    "network list": Role.EVERYONE,
    "network mine": Role.EVERYONE,
    "network info": Role.EVERYONE,
    "network guidelines": Role.EVERYONE,
    "network join": Role.EVERYONE,
    "network leave": Role.EVERYONE,
    "network withdraw": Role.EVERYONE,
    "manage network requests": Role.COORDINATOR,
    "peers profile": Role.EVERYONE,
    "peers off": Role.EVERYONE,
    "peers find": Role.MEMBER,
    "manage network members": Role.EXECUTIVE,
    "manage network edit": Role.COORDINATOR,
    "manage network role": Role.COORDINATOR,
    "network setup": Role.COORDINATOR,
    "manage network link": Role.COORDINATOR,
    "network create": Role.ADMIN,
    "network archive": Role.ADMIN,
    "report concern": Role.MEMBER,
    "meeting rsvp": Role.MEMBER,
    "mod reports": Role.EXECUTIVE,
    "mod lock": Role.EXECUTIVE,
    "mod unlock": Role.EXECUTIVE,
    "mod slowmode": Role.EXECUTIVE,
    "mod archive": Role.EXECUTIVE,
    "mod pin": Role.EXECUTIVE,
    "mod unpin": Role.EXECUTIVE,
    "mod guidelines": Role.COORDINATOR,
    "mod modlog": Role.COORDINATOR,
    "mod close": Role.COORDINATOR,
    "mod audit": Role.COORDINATOR,
    "mod claim": Role.COORDINATOR,
    "mod reply": Role.COORDINATOR,
    "mod remove": Role.EXECUTIVE,
    "report answer": Role.EVERYONE,
    "manage network panel": Role.COORDINATOR,
    "manage meeting schedule": Role.EXECUTIVE,
    "manage meeting edit": Role.EXECUTIVE,
    "manage meeting skip": Role.EXECUTIVE,
    "manage meeting cancel": Role.EXECUTIVE,
    "manage meeting attendees": Role.EXECUTIVE,
    "meeting next": Role.MEMBER,
    "meeting list": Role.MEMBER,
    "meeting agenda": Role.MEMBER,
    "meeting ics": Role.MEMBER,
    "manage meeting minutes": Role.COORDINATOR,
    "manage meeting attend": Role.COORDINATOR,
    "manage meeting settings": Role.COORDINATOR,
    "manage meeting capacity": Role.EXECUTIVE,
    "manage meeting plan": Role.EXECUTIVE,
    "manage meeting report": Role.COORDINATOR,
    "manage meeting feed": Role.COORDINATOR,
    "meeting myfeed": Role.EVERYONE,
    "meeting here": Role.MEMBER,
    "meeting record": Role.EVERYONE,
    "meeting reminders": Role.EVERYONE,
    "reflect start": Role.MEMBER,
    "reflect post": Role.MEMBER,
    "reflect next": Role.MEMBER,
    "reflect close": Role.MEMBER,
    "reflect delete": Role.MEMBER,
    "reflect invite": Role.MEMBER,
    "reflect facilitator": Role.MEMBER,
    "reflect reopen": Role.MEMBER,
    "reflect schedule": Role.MEMBER,
    "manage reflect panel": Role.COORDINATOR,
    "manage reflect settings": Role.COORDINATOR,
    "reflect notes": Role.EVERYONE,
    "reflect privacy": Role.EVERYONE,
    "link start": Role.EVERYONE,
    "link confirm": Role.EVERYONE,
    "link list": Role.EVERYONE,
    "link remove": Role.EVERYONE,
    "resources search": Role.EVERYONE,
    "resources show": Role.EVERYONE,
    "resources share": Role.EVERYONE,
    "resources browse": Role.EVERYONE,
    "resources download": Role.EVERYONE,
    "resources saved": Role.EVERYONE,
    "resources submit": Role.MEMBER,
    "library review": Role.EXECUTIVE,
    "library add": Role.COORDINATOR,
    "library edit": Role.COORDINATOR,
    "library retire": Role.COORDINATOR,
    "library stale": Role.COORDINATOR,
    "library attach": Role.COORDINATOR,
    "library detach": Role.COORDINATOR,
    "library missed": Role.COORDINATOR,
    "notices post": Role.MEMBER,
    "notices list": Role.EVERYONE,
    "notices subscribe": Role.MEMBER,
    "notices unsubscribe": Role.EVERYONE,
    "story submit": Role.MEMBER,
    "story edit": Role.EVERYONE,
    "story mine": Role.EVERYONE,
    "story withdraw": Role.EVERYONE,
    "story list": Role.EVERYONE,
    "ask coordinators": Role.MEMBER,
    "ask answer": Role.EVERYONE,
    "ask close": Role.EVERYONE,
    "ask mine": Role.EVERYONE,
    "manage question list": Role.EXECUTIVE,
    "manage question reply": Role.EXECUTIVE,
    "manage question close": Role.EXECUTIVE,
    "manage question share": Role.EXECUTIVE,
    "manage story review": Role.COORDINATOR,
    "manage story unpublish": Role.COORDINATOR,
    "checkin start": Role.MEMBER,
    "checkin now": Role.EVERYONE,
    "checkin pause": Role.EVERYONE,
    "checkin resume": Role.EVERYONE,
    "checkin settings": Role.EVERYONE,
    "checkin stop": Role.EVERYONE,
    "checkin history": Role.EVERYONE,
    "checkin tell": Role.EVERYONE,
    "manage checkin summary": Role.COORDINATOR,
    "mentor offer": Role.MEMBER,
    "mentor pause": Role.MEMBER,
    "mentor resume": Role.MEMBER,
    "mentor stop": Role.MEMBER,
    "mentor find": Role.MEMBER,
    "mentor profile": Role.EVERYONE,
    "mentor end": Role.EVERYONE,
    "manage mentoring counts": Role.COORDINATOR,
}

# People, lowest first (so an admin's archive runs last): (user id, role in coast, in inland).
PEOPLE = [
    ("stranger", None, None),
    ("other-coordinator", None, Role.COORDINATOR),
    ("member", Role.MEMBER, None),
    ("executive", Role.EXECUTIVE, None),
    ("coordinator", Role.COORDINATOR, None),
    ("admin", Role.ADMIN, None),
]
REFUSALS = ("You need to be", "Only a peerbot admin")
SPACE = PlaceRef(platform="console", id="local", name="console")


async def test_every_command_is_in_the_table(tmp_path: Path) -> None:
    app = App(load_settings(None, environ={"PEERBOT_DATA_DIR": str(tmp_path)}))
    kernel = await app.start_without_worker()
    try:
        found = set(kernel.registry.commands)
    finally:
        await app.stop()
    assert found - set(EXPECTED) == set(), "add these commands to EXPECTED"
    assert set(EXPECTED) - found == set(), "these commands no longer exist"


def allowed(needed: Role, coast: Role | None, inland: Role | None, scoped: bool) -> bool:
    if Role.ADMIN in (coast, inland):
        return True
    if needed is Role.EVERYONE:
        return True
    held = coast if scoped else max((r for r in (coast, inland) if r), default=None)
    return held is not None and held >= needed


@pytest.mark.parametrize("command", sorted(EXPECTED))
async def test_who_may_run(command: str, tmp_path: Path) -> None:
    settings = load_settings(
        None, environ={"PEERBOT_DATA_DIR": str(tmp_path), "PEERBOT_ADMINS": "console:admin"}
    )
    app = App(settings, clock=FakeClock())
    kernel = await app.start_without_worker()
    try:
        spec = kernel.registry.commands[command]
        assert spec.role is EXPECTED[command], f"/{command} needs {spec.role.label} in the code"
        directory = kernel.registry.directory
        admin = UserRef(platform="console", id="admin")
        for name, slug in (("Coast", "coast"), ("Inland", "inland")):
            reply = await kernel.registry.invoke(
                Invocation(admin, None, "network create", {"name": name, "slug": slug}, SPACE)
            )
            assert "Created" in reply.text
        coast = await directory.network_by_slug("coast")
        inland = await directory.network_by_slug("inland")
        assert coast and inland
        for user_id, in_coast, in_inland in PEOPLE:
            if in_coast and in_coast is not Role.ADMIN:
                await directory.assign_role(f"console:{user_id}", coast.id, in_coast)
            if in_inland:
                await directory.assign_role(f"console:{user_id}", inland.id, in_inland)
        scoped = spec.option("network") is not None
        arguments = {"network": "coast"} if scoped else {}
        outcomes = {}
        for user_id, _, _ in PEOPLE:
            user = UserRef(platform="console", id=user_id)
            reply = await kernel.registry.invoke(Invocation(user, None, command, arguments, SPACE))
            refused = reply.text.startswith(REFUSALS)
            outcomes[user_id] = not refused
        expected = {
            user_id: allowed(EXPECTED[command], in_coast, in_inland, scoped)
            for user_id, in_coast, in_inland in PEOPLE
        }
        assert outcomes == expected
    finally:
        await app.stop()
