"""Network management (issue 4): edit, info, archive, join by menu, platform roles, members,
role grants, channel set-up and linking, guidelines, onboarding, audit and bad input.

Layer 1 calls the service on SQLite; layer 2 goes through the registry of a real App."""

from __future__ import annotations

from typing import Any

import pytest

from bot.commands import Role
from bot.identity import PlaceRef, UserRef
from bot.kernel import Kernel
from bot.platforms.console import CONSOLE_SPACE
from bot.ports import ChannelSpec
from bot.registry import ActionInvocation, Invocation
from bot.replies import ActionRef, Reply
from bot.storage import Database
from cogs.networks.commands import GUIDELINES_ACTION, JOIN_ACTION, NetworksCog
from cogs.networks.service import NetworkService
from tests.bot.fakes import RecordingPort
from tests.cogs.networks import ADMIN_ID, ADMIN_KEY, as_console_shows, user

SOUTH = "South Coast Peer Network"


class SetupPort(RecordingPort):
    """Records what set-up asks the platform for; ``gone`` place ids no longer exist."""

    def __init__(self) -> None:
        super().__init__("console")
        self.roles: list[str] = []
        self.categories: list[tuple[str, tuple[str, ...]]] = []
        self.channels: list[ChannelSpec] = []
        self.member_roles: list[tuple[str, str, bool]] = []
        self.gone: set[str] = set()
        self.gone_roles: set[str] = set()
        self.access: list[tuple[str, str, bool]] = []

    async def create_role(self, space: PlaceRef, name: str) -> str:
        self.roles.append(name)
        return f"role-{len(self.roles)}"

    async def role_exists(self, space: PlaceRef, role_id: str) -> bool:
        return role_id not in self.gone_roles

    async def create_category(
        self, space: PlaceRef, name: str, visible_to_roles: tuple[str, ...] = ()
    ) -> PlaceRef:
        self.categories.append((name, visible_to_roles))
        return PlaceRef(platform="console", id=f"category-{len(self.categories)}", name=name)

    async def create_channel(self, spec: ChannelSpec) -> PlaceRef:
        self.channels.append(spec)
        return PlaceRef(platform="console", id=f"{spec.name}-{len(self.channels)}", name=spec.name)

    async def place_exists(self, place: PlaceRef) -> bool:
        return place.id not in self.gone

    async def set_member_role(
        self, space: PlaceRef, user: UserRef, role_id: str, *, present: bool
    ) -> None:
        self.member_roles.append((user.id, role_id, present))

    async def set_role_access(
        self,
        place: PlaceRef,
        space: PlaceRef,
        role_id: str,
        *,
        read_only: bool,
        can_post: bool = False,
    ) -> None:
        self.access.append((place.id, role_id, read_only))


async def run(kernel: Kernel, user_id: str, command: str, /, **arguments: Any) -> Reply:
    """Run a command as a console user inside the console space."""
    invocation = Invocation(
        user=user(user_id), place=None, name=command, arguments=arguments, space=CONSOLE_SPACE
    )
    return as_console_shows(await kernel.registry.invoke(invocation))


async def pick(kernel: Kernel, user_id: str, action: ActionRef, *selected: str) -> Reply:
    invocation = ActionInvocation(
        user=user(user_id), place=None, action=action, selected=selected, space=CONSOLE_SPACE
    )
    return await kernel.registry.invoke_action(invocation)


async def audit_actions(db: Database) -> list[tuple[str, str, str]]:
    rows = await db.fetch_all("SELECT actor_key, action, target FROM audit_log ORDER BY id")
    return [(r["actor_key"], r["action"], r["target"]) for r in rows]


async def snapshot(db: Database) -> list[list[tuple[Any, ...]]]:
    tables = ("networks", "memberships", "network_roles", "network_places", "audit_log")
    return [[tuple(r) for r in await db.fetch_all(f"SELECT * FROM {t}")] for t in tables]


@pytest.fixture
def port(kernel: Kernel) -> SetupPort:
    recording = SetupPort()
    kernel.ports["console"] = recording
    return recording


@pytest.fixture
async def three(kernel: Kernel) -> None:
    for name, slug in ((SOUTH, "south-coast"), ("Hunter", "hunter"), ("Illawarra", "illawarra")):
        reply = await run(kernel, ADMIN_ID, "network create", name=name, slug=slug)
        assert reply.text.startswith("Created"), reply.text


async def set_guidelines(db: Database, slug: str, text: str) -> None:
    """What /mod guidelines (the moderation cog) stores."""
    async with db.transaction() as tx:
        await tx.execute("UPDATE networks SET guidelines = ? WHERE slug = ?", (text, slug))


async def grant(kernel: Kernel, user_id: str, role: str, slug: str = "south-coast") -> None:
    reply = await run(kernel, ADMIN_ID, "network role", network=slug, member=user_id, role=role)
    assert " is now " in reply.text, reply.text


# ---- layer 1 -----------------------------------------------------------------------------


async def test_service_edit_validates_and_audits(service: NetworkService, db: Database) -> None:
    network = await service.create(
        slug="south", name="South", timezone="Australia/Sydney", description="", actor_key="a"
    )
    updated = await service.edit(network.id, actor_key="a", timezone="Australia/Perth")
    assert (updated.name, updated.timezone) == ("South", "Australia/Perth")
    before = await snapshot(db)
    with pytest.raises(Exception, match="not a time zone"):
        await service.edit(network.id, actor_key="a", timezone="Mars/Olympus")
    with pytest.raises(Exception, match="needs a name"):
        await service.edit(network.id, actor_key="a", name="  ")
    assert await snapshot(db) == before
    assert [a for _, a, _ in await audit_actions(db)] == ["network.create", "network.edit"]


async def test_service_place_for_and_link(service: NetworkService) -> None:
    network = await service.create(slug="s", name="S", timezone="UTC", description="")
    assert await service.place_for(network.id, "console:local", "general") is None
    place = PlaceRef(platform="console", id="chat")
    await service.link(network.id, "console:local", "general", place, actor_key="a")
    found = await service.place_for(network.id, "console:local", "general")
    assert found is not None and found.key == "console:chat"
    other = await service.create(slug="o", name="O", timezone="UTC", description="")
    with pytest.raises(Exception, match="another network"):
        await service.link(other.id, "console:local", "general", place, actor_key="a")


# ---- create, edit, info, archive ---------------------------------------------------------


async def test_create_writes_an_audit_row(kernel: Kernel, three: None) -> None:
    assert await audit_actions(kernel.db) == [
        (ADMIN_KEY, "network.create", "south-coast"),
        (ADMIN_KEY, "network.create", "hunter"),
        (ADMIN_KEY, "network.create", "illawarra"),
    ]


async def test_duplicate_slug_changes_nothing(kernel: Kernel, three: None) -> None:
    before = await snapshot(kernel.db)
    reply = await run(kernel, ADMIN_ID, "network create", name="Other", slug="hunter")
    assert reply.private and "already a network with the short name 'hunter'" in reply.text
    assert await snapshot(kernel.db) == before


async def test_edit_by_coordinator_and_refusals(kernel: Kernel, three: None) -> None:
    await grant(kernel, "cora", "coordinator")
    reply = await run(
        kernel, "cora", "network edit", network="south-coast", description="Wollongong to Eden"
    )
    assert reply.private and "Wollongong to Eden" in reply.text
    before = await snapshot(kernel.db)
    bad_tz = await run(kernel, "cora", "network edit", network="south-coast", timezone="Nowhere")
    assert "you gave 'Nowhere' (not a time zone peerbot knows)" in bad_tz.text
    other = await run(kernel, "cora", "network edit", network="hunter", name="Mine")
    assert other.text.startswith("You need to be a coordinator in Hunter to do that.")
    unknown = await run(kernel, "cora", "network edit", network="nowhere", name="X")
    assert "There is no network called 'nowhere'" in unknown.text
    assert await snapshot(kernel.db) == before
    assert (ADMIN_KEY, "network.role.grant", "console:cora") in await audit_actions(kernel.db)
    perth = await run(kernel, "cora", "network edit", network="south-coast", timezone="perth")
    assert "time zone Australia/Perth" in perth.text  # the kernel reads a city alone
    assert ("console:cora", "network.edit", "south-coast") in await audit_actions(kernel.db)


async def test_info_shows_people_and_channels(kernel: Kernel, three: None, port: SetupPort) -> None:
    await grant(kernel, "cora", "coordinator")
    await grant(kernel, "eve", "executive")
    await run(kernel, "mia", "network join", network="south-coast")
    await run(kernel, "cora", "network setup", network="south-coast")
    reply = await run(kernel, "stranger", "network info", network="south-coast")
    assert reply.private
    assert "South Coast Peer Network (south-coast)" in reply.text
    assert "Time zone: Australia/Sydney" in reply.text
    assert "Coordinators: cora" in reply.text
    assert "Executives: eve" in reply.text
    assert "Members: 3" in reply.text
    assert "announcements: #south-coast-announcements-1" in reply.text
    assert "Next meeting: none scheduled" in reply.text  # from the meetings cog


async def test_archive_hides_the_network(kernel: Kernel, three: None) -> None:
    refused = await run(kernel, "alex", "network archive", network="hunter")
    assert "Only a peerbot admin" in refused.text
    reply = await run(kernel, ADMIN_ID, "network archive", network="hunter")
    assert reply.text.startswith("Archived Hunter.")
    listed = await run(kernel, "alex", "network list")
    assert "hunter" not in listed.text
    join = await run(kernel, "alex", "network join", network="hunter")
    assert "There is no network called 'hunter'" in join.text
    menu = await run(kernel, "alex", "network join")
    assert menu.select is not None
    assert [c.value for c in menu.select.choices] == ["illawarra", "south-coast"]
    assert await kernel.db.fetch_one("SELECT archived_at FROM networks WHERE slug = 'hunter'")
    assert (ADMIN_KEY, "network.archive", "hunter") in await audit_actions(kernel.db)


# ---- membership --------------------------------------------------------------------------


async def test_join_by_menu_picks_several_and_gives_platform_roles(
    kernel: Kernel, three: None, port: SetupPort
) -> None:
    await grant(kernel, "cora", "coordinator")
    await run(kernel, "cora", "network setup", network="south-coast")
    await set_guidelines(kernel.db, "south-coast", "Be kind.")
    menu = await run(kernel, "alex", "network join")
    assert menu.private and menu.select is not None
    assert (menu.select.min_values, menu.select.max_values) == (1, 3)
    assert menu.select.action.action == JOIN_ACTION
    port.member_roles.clear()
    reply = await pick(kernel, "alex", menu.select.action, "south-coast", "hunter")
    assert f"Welcome to {SOUTH}. You joined as a member." in reply.text
    assert "Welcome to Hunter." in reply.text
    assert "Be kind." in reply.text
    assert port.member_roles == [("alex", "role-1", True)]  # only south-coast has a role here
    mine = await run(kernel, "alex", "network mine")
    assert "Hunter (hunter): member" in mine.text and "(south-coast): member" in mine.text
    left = await run(kernel, "alex", "network leave", network="south-coast")
    assert left.text.startswith("You have left")
    assert port.member_roles[-1] == ("alex", "role-1", False)


async def test_join_menu_refuses_an_unknown_pick(kernel: Kernel, three: None) -> None:
    before = await snapshot(kernel.db)
    reply = await pick(kernel, "alex", ActionRef(action=JOIN_ACTION), "hunter", "nowhere")
    assert "There is no network called 'nowhere'" in reply.text
    assert await snapshot(kernel.db) == before


async def test_members_listing_needs_executive_or_coordinator(kernel: Kernel, three: None) -> None:
    await grant(kernel, "cora", "coordinator")
    await grant(kernel, "eve", "executive")
    await run(kernel, "mia", "network join", network="south-coast")
    refused = await run(kernel, "mia", "network members", network="south-coast")
    assert refused.private
    assert refused.text.startswith(f"You need to be an executive in {SOUTH} to do that.")
    for who in ("eve", "cora", ADMIN_ID):
        reply = await run(kernel, who, "network members", network="south-coast")
        assert "has 3 members" in reply.text
        assert "- cora: coordinator\n- eve: executive\n- mia: member" in reply.text
    other = await run(kernel, "eve", "network members", network="hunter")
    assert other.text.startswith("You need to be an executive in Hunter to do that.")


async def test_role_rules(kernel: Kernel, three: None, port: SetupPort) -> None:
    await grant(kernel, "cora", "coordinator")
    await grant(kernel, "hana", "coordinator", "hunter")
    await run(kernel, "mia", "network join", network="south-coast")
    # a coordinator may grant and remove executive in their own network
    ok = await run(
        kernel, "cora", "network role", network="south-coast", member="mia", role="executive"
    )
    assert ok.text == "mia is now an executive of South Coast Peer Network."
    removed = await run(
        kernel,
        "cora",
        "network role",
        network="south-coast",
        member="mia",
        role="executive",
        remove=True,
    )
    assert "no longer an executive" in removed.text and "stay a member" in removed.text
    before = await snapshot(kernel.db)
    # but not coordinator, not in another network, and not for a member
    no_coord = await run(
        kernel, "cora", "network role", network="south-coast", member="mia", role="coordinator"
    )
    assert "Only a peerbot admin can give or take away the coordinator role" in no_coord.text
    demote = await run(
        kernel,
        "cora",
        "network role",
        network="hunter",
        member="hana",
        role="coordinator",
        remove=True,
    )
    assert demote.text.startswith("You need to be a coordinator in Hunter to do that.")
    by_member = await run(
        kernel, "mia", "network role", network="south-coast", member="mia", role="executive"
    )
    assert by_member.text.startswith(f"You need to be a coordinator in {SOUTH} to do that.")
    bad_role = await run(
        kernel, ADMIN_ID, "network role", network="south-coast", member="mia", role="boss"
    )
    assert "The option 'role' must be one of: member, executive, coordinator" in bad_role.text
    not_there = await run(
        kernel,
        "cora",
        "network role",
        network="south-coast",
        member="zed",
        role="executive",
        remove=True,
    )
    assert "zed is not an executive" in not_there.text
    assert await snapshot(kernel.db) == before
    # admin removes a coordinator; removing 'member' takes someone out and their role away
    gone = await run(
        kernel,
        ADMIN_ID,
        "network role",
        network="hunter",
        member="hana",
        role="coordinator",
        remove=True,
    )
    assert "no longer a coordinator" in gone.text
    await run(kernel, "cora", "network setup", network="south-coast")
    out = await run(
        kernel,
        "cora",
        "network role",
        network="south-coast",
        member="mia",
        role="member",
        remove=True,
    )
    assert out.text == "mia is no longer a member of South Coast Peer Network."
    assert port.member_roles[-1] == ("mia", "role-1", False)
    actions = [(a, t) for _, a, t in await audit_actions(kernel.db) if a.startswith("network.role")]
    assert actions == [
        ("network.role.grant", "console:cora"),
        ("network.role.grant", "console:hana"),
        ("network.role.grant", "console:mia"),
        ("network.role.remove", "console:mia"),
        ("network.role.remove", "console:hana"),
        ("network.role.remove", "console:mia"),
    ]


async def test_several_networks_with_different_roles(kernel: Kernel, three: None) -> None:
    await grant(kernel, "alex", "coordinator", "south-coast")
    await grant(kernel, "alex", "executive", "hunter")
    await run(kernel, "alex", "network join", network="illawarra")
    mine = await run(kernel, "alex", "network mine")
    assert "(hunter): executive" in mine.text
    assert "(illawarra): member" in mine.text
    assert "(south-coast): coordinator" in mine.text


# ---- channel set-up ----------------------------------------------------------------------


async def test_setup_creates_once_and_repairs(kernel: Kernel, three: None, port: SetupPort) -> None:
    await grant(kernel, "cora", "coordinator")
    member = await run(kernel, "mia", "network setup", network="south-coast")
    assert member.text.startswith(f"You need to be a coordinator in {SOUTH}")
    assert port.roles == []
    first = await run(kernel, "cora", "network setup", network="south-coast")
    assert first.text.startswith("Set up South Coast Peer Network here. Created: role, category")
    assert port.roles == [f"{SOUTH} member"]
    assert port.categories == [(SOUTH, ("role-1",))]
    assert [c.name for c in port.channels] == [
        "south-coast-announcements",
        "south-coast-general",
        "south-coast-reflection",
        "south-coast-resources",
    ]
    assert all(c.visible_to_roles == ("role-1",) for c in port.channels)
    assert all(c.category is not None and c.category.id == "category-1" for c in port.channels)
    assert [c.read_only for c in port.channels] == [True, False, False, False]
    cog = kernel.cogs["networks"]
    assert isinstance(cog, NetworksCog)
    south = await cog.service.active_by_slug("south-coast")
    general = await cog.service.place_for(south.id, CONSOLE_SPACE.key, "general")
    assert general is not None and general.id == "south-coast-general-2"

    again = await run(kernel, "cora", "network setup", network="south-coast")
    assert "already set up here" in again.text
    assert len(port.roles) == 1 and len(port.categories) == 1 and len(port.channels) == 4

    port.gone.add("south-coast-general-2")
    repaired = await run(kernel, "cora", "network setup", network="south-coast")
    assert "Created: general." in repaired.text
    assert [c.name for c in port.channels][4:] == ["south-coast-general"]
    general = await cog.service.place_for(south.id, CONSOLE_SPACE.key, "general")
    assert general is not None and general.id == "south-coast-general-5"
    rows = await kernel.db.fetch_all("SELECT purpose FROM network_places ORDER BY purpose")
    assert [r["purpose"] for r in rows] == [
        "announcements",
        "category",
        "general",
        "reflection",
        "resources",
    ]
    setups = [(a, t) for _, a, t in await audit_actions(kernel.db) if a == "network.setup"]
    assert len(setups) == 6 + 1 + 1  # six parts, one "nothing missing", one repair
    # Each run asks that the member role can still see what exists (the platform's port
    # sends nothing when it already can): announcements read-only, the rest open.
    assert ("south-coast-announcements-1", "role-1", True) in port.access
    assert ("south-coast-reflection-3", "role-1", False) in port.access
    port.access.clear()

    port.gone_roles.add("role-1")  # someone deleted the member role on the platform
    recreated = await run(kernel, "cora", "network setup", network="south-coast")
    assert "Created: role." in recreated.text
    assert port.roles == [f"{SOUTH} member", f"{SOUTH} member"]
    assert ("category-1", "role-2", False) in port.access
    assert ("south-coast-announcements-1", "role-2", True) in port.access
    assert ("south-coast-general-5", "role-2", False) in port.access
    assert len(port.access) == 5  # the category and the four channels that still exist


async def test_role_changes_and_setup_give_the_platform_standing(
    kernel: Kernel, three: None, port: SetupPort
) -> None:
    """On Matrix coordinators become moderators; the kernel asks every port, and the
    console's and Discord's do nothing. Here the recording port shows what was asked."""
    await grant(kernel, "cora", "coordinator")  # before set-up: no rooms yet, nothing asked
    assert port.ranks == []
    await run(kernel, "cora", "network setup", network="south-coast")
    assert port.ranks == [("role-1", "console:cora", Role.COORDINATOR)]
    await run(kernel, "mia", "network join", network="south-coast")
    await run(kernel, "cora", "network role", network="south-coast", member="mia", role="executive")
    assert port.ranks[-1] == ("role-1", "console:mia", Role.EXECUTIVE)
    await run(
        kernel,
        "cora",
        "network role",
        network="south-coast",
        member="mia",
        role="executive",
        remove=True,
    )
    assert port.ranks[-1] == ("role-1", "console:mia", Role.MEMBER)
    asked = len(port.ranks)
    refused = await run(
        kernel, "mia", "network role", network="south-coast", member="mia", role="executive"
    )
    assert refused.text.startswith("You need to be a coordinator")
    assert len(port.ranks) == asked  # a refusal asks the platform for nothing
    again = await run(kernel, "cora", "network setup", network="south-coast")
    assert "already set up here" in again.text
    assert port.ranks[-1] == ("role-1", "console:cora", Role.COORDINATOR)  # set-up repairs it


async def test_setup_needs_a_space(kernel: Kernel, three: None, port: SetupPort) -> None:
    await grant(kernel, "cora", "coordinator")
    invocation = Invocation(
        user=user("cora"), place=None, name="network setup", arguments={"network": "south-coast"}
    )
    reply = await kernel.registry.invoke(invocation)
    assert "not in a direct message" in reply.text and port.roles == []


async def test_link_binds_an_existing_channel(kernel: Kernel, three: None) -> None:
    await grant(kernel, "cora", "coordinator")
    reply = await run(
        kernel,
        "cora",
        "network link",
        network="south-coast",
        channel="peer-chat",
        purpose="general",
    )
    assert reply.text == "Linked that channel as South Coast Peer Network's general channel."
    cog = kernel.cogs["networks"]
    assert isinstance(cog, NetworksCog)
    south = await cog.service.active_by_slug("south-coast")
    place = await cog.service.place_for(south.id, CONSOLE_SPACE.key, "general")
    assert place is not None and place.key == "console:peer-chat"
    assert ("console:cora", "network.link", "console:peer-chat") in await audit_actions(kernel.db)
    bad = await run(
        kernel, "cora", "network link", network="south-coast", channel="x", purpose="kitchen"
    )
    assert "The option 'purpose' must be one of" in bad.text


# ---- guidelines and onboarding -----------------------------------------------------------


async def test_guidelines_shown_or_said_to_be_missing(kernel: Kernel, three: None) -> None:
    none_yet = await run(kernel, "alex", "network guidelines", network="hunter")
    assert none_yet.private and "Hunter has no community guidelines set yet" in none_yet.text
    await set_guidelines(kernel.db, "hunter", "Be kind.")
    shown = await run(kernel, "alex", "network guidelines", network="hunter")
    assert shown.text == "Community guidelines for Hunter:\nBe kind."


async def test_onboarding_queues_one_welcome(kernel: Kernel, three: None) -> None:
    newcomer = user("newbie")
    await kernel.events.member_joined(newcomer, CONSOLE_SPACE)
    await kernel.events.member_joined(newcomer, CONSOLE_SPACE)
    rows = await kernel.db.fetch_all("SELECT key, message_json FROM outbox")
    assert [r["key"] for r in rows] == ["welcome:console:local:console:newbie"]
    message = Reply.model_validate_json(rows[0]["message_json"])
    assert message.text.startswith(kernel.settings.networks.welcome_text)
    assert "Hunter (hunter)" in message.text
    assert message.select is not None and message.select.action.action == JOIN_ACTION
    assert message.select.max_values == 3
    assert [b.action.action for b in message.buttons] == [GUIDELINES_ACTION]
    joined = await pick(kernel, "newbie", message.select.action, "illawarra")
    assert "Welcome to Illawarra" in joined.text
    guidelines = await pick(kernel, "newbie", message.buttons[0].action)
    assert "Illawarra has no community guidelines set yet" in guidelines.text
