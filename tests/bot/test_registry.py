"""Commands and actions through the Registry: the path every platform's invocations take."""

from __future__ import annotations

import datetime as dt
import logging
import re
from enum import StrEnum
from typing import Annotated, Any, Literal

import pytest

from bot.clock import FakeClock
from bot.commands import ActionEvent, Context, Option, Role, TimeZone, action, command
from bot.errors import UserError
from bot.identity import PlaceRef, UserRef
from bot.permissions import NetworkInfo
from bot.registry import ActionInvocation, DuplicateCommand, Invocation, Registry
from bot.replies import ActionRef, Button, Choice, Reply

NORTH = NetworkInfo(id=1, slug="north", name="North Coast", timezone="Australia/Sydney")
SOUTH = NetworkInfo(id=2, slug="south", name="South Coast", timezone="Australia/Sydney")

ADA = UserRef(platform="console", id="ada", display_name="Ada")  # admin
NOOR = UserRef(platform="console", id="noor")  # coordinator of North Coast
MIKA = UserRef(platform="console", id="mika")  # member of North Coast
SAM = UserRef(platform="console", id="sam")  # coordinator of South Coast, member of North Coast
STRANGER = UserRef(platform="console", id="stranger")  # no role anywhere

NORTH_ROOM = PlaceRef(platform="console", id="north-general")
LOBBY = PlaceRef(platform="console", id="lobby")  # belongs to no network

ERROR_ID = re.compile(r"error id: ([0-9A-F]{8})\.")


class FakeDirectory:
    """Networks, places and per-network roles, in memory."""

    def __init__(self) -> None:
        self._networks = {n.id: n for n in (NORTH, SOUTH)}
        self._places: dict[str, int] = {}
        self._roles: dict[tuple[str, int], Role] = {}
        self._admins: set[str] = set()

    async def role_of(self, user_key: str, network_id: int | None) -> Role:
        if user_key in self._admins:
            return Role.ADMIN
        if network_id is None:
            held = [role for (user, _), role in self._roles.items() if user == user_key]
            return max(held, default=Role.EVERYONE)
        return self._roles.get((user_key, network_id), Role.EVERYONE)

    async def network_by_slug(self, slug: str) -> NetworkInfo | None:
        return next((n for n in self._networks.values() if n.slug == slug), None)

    async def network_for_place(self, place_key: str) -> NetworkInfo | None:
        network_id = self._places.get(place_key)
        return self._networks[network_id] if network_id is not None else None

    async def networks(self) -> list[NetworkInfo]:
        return list(self._networks.values())

    async def assign_role(self, user_key: str, network_id: int | None, role: Role) -> None:
        if role is Role.ADMIN:
            self._admins.add(user_key)
            return
        if network_id is None:
            raise UserError(f"Say which network the {role.label} role is for.")
        self._roles[(user_key, network_id)] = role

    def link_place(self, place: PlaceRef, network: NetworkInfo) -> None:
        self._places[place.key] = network.id


class Mood(StrEnum):
    CALM = "calm"
    TIRED = "tired"


class Notes:
    """A small cog: commands with every kind of trouble, actions and autocomplete."""

    name = "notes"
    title = "Notes"

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.contexts: list[Context] = []
        self.events: list[ActionEvent] = []
        self.lookups: list[str] = []

    @command("note add", "Add a note", role=Role.EVERYONE)
    async def add(
        self,
        ctx: Context,
        text: Annotated[str, Option("The note", max_length=50)],
        count: Annotated[int, Option("How many", min=1, max=10)] = 1,
        size: Annotated[Literal["small", "large"], Option("How big")] = "small",
        day: Annotated[dt.date | None, Option("Which day")] = None,
        mood: Annotated[Mood | None, Option("Your mood")] = None,
    ) -> Reply:
        self.contexts.append(ctx)
        self.calls.append({"text": text, "count": count, "size": size, "day": day, "mood": mood})
        return Reply(text=f"Added {count} note(s).")

    @command("note show", "Show a note with a button", role=Role.EVERYONE)
    async def show(self, ctx: Context) -> Reply:
        ref = ActionRef(action="notes.open", payload="42")
        return Reply(text="Note 42", buttons=[Button(label="Open", action=ref)])

    @command("note fail", "Always breaks", role=Role.EVERYONE)
    async def fail(
        self, ctx: Context, text: Annotated[str, Option("Some text")] = "nothing"
    ) -> Reply:
        raise RuntimeError(f"could not store {text}")  # the message quotes what was typed

    @command("note refuse", "Always refuses", role=Role.EVERYONE)
    async def refuse(self, ctx: Context) -> Reply:
        raise UserError("You already have a note for today. Change it with /note edit.")

    @command("note find", "Find a note", role=Role.EVERYONE)
    async def find(
        self,
        ctx: Context,
        topic: Annotated[str, Option("Topic", autocomplete="topics")],
        other: Annotated[str, Option("Other topic", autocomplete="broken_topics")] = "",
        plain: Annotated[str, Option("No suggestions")] = "",
    ) -> Reply:
        return Reply(text=topic)

    async def topics(self, ctx: Context, partial: str) -> list[Choice]:
        self.lookups.append(f"{ctx.user.key}:{partial}")
        return [Choice(label=f"{partial} {i}", value=str(i)) for i in range(30)]

    async def broken_topics(self, ctx: Context, partial: str) -> list[Choice]:
        raise LookupError(f"no topic index for {partial}")

    @action("notes.open")
    async def open(self, ctx: Context, event: ActionEvent) -> Reply:
        self.contexts.append(ctx)
        self.events.append(event)
        return Reply(text=f"Opened note {event.payload}.")

    @action("notes.members", role=Role.MEMBER)
    async def members_only(self, ctx: Context, event: ActionEvent) -> Reply:
        self.events.append(event)
        return Reply(text="Done.")

    @action("notes.refuse")
    async def refuse_click(self, ctx: Context, event: ActionEvent) -> Reply:
        raise UserError("That note was already archived.")

    @action("notes.broken")
    async def broken_click(self, ctx: Context, event: ActionEvent) -> Reply:
        raise KeyError(f"no note {event.payload}-{event.fields}")


class Roster:
    """A cog whose commands need different roles, some per network."""

    name = "roster"
    title = "Roster"

    def __init__(self) -> None:
        self.seen: list[tuple[Role, int | None, str | None]] = []

    @command("roster", "Show a network's roster", role=Role.COORDINATOR)
    async def roster(
        self, ctx: Context, network: Annotated[str | None, Option("Network short name")] = None
    ) -> Reply:
        self.seen.append((ctx.role, ctx.network_id, network))
        return Reply(text="The roster.")

    @command("hello", "Say hello", role=Role.EVERYONE)
    async def hello(self, ctx: Context) -> Reply:
        self.seen.append((ctx.role, ctx.network_id, None))
        return Reply(text=f"Hello {ctx.user.name}.")

    @command("whoami", "Your role")
    async def whoami(self, ctx: Context) -> Reply:
        self.seen.append((ctx.role, ctx.network_id, None))
        return Reply(text=ctx.role.label)

    @command("shutdown", "Stop the bot", role=Role.ADMIN)
    async def shutdown(self, ctx: Context) -> Reply:
        self.seen.append((ctx.role, ctx.network_id, None))
        return Reply(text="Stopping.")


@pytest.fixture
async def directory() -> FakeDirectory:
    directory = FakeDirectory()
    await directory.assign_role(ADA.key, None, Role.ADMIN)
    await directory.assign_role(NOOR.key, NORTH.id, Role.COORDINATOR)
    await directory.assign_role(MIKA.key, NORTH.id, Role.MEMBER)
    await directory.assign_role(SAM.key, NORTH.id, Role.MEMBER)
    await directory.assign_role(SAM.key, SOUTH.id, Role.COORDINATOR)
    directory.link_place(NORTH_ROOM, NORTH)
    return directory


@pytest.fixture
def notes() -> Notes:
    return Notes()


@pytest.fixture
def roster() -> Roster:
    return Roster()


@pytest.fixture
def registry(directory: FakeDirectory, clock: FakeClock, notes: Notes, roster: Roster) -> Registry:
    registry = Registry(directory, clock)
    registry.add_cog(notes)
    registry.add_cog(roster)
    return registry


async def run(
    registry: Registry, user: UserRef, name: str, place: PlaceRef | None = None, **args: Any
) -> Reply:
    return await registry.invoke(Invocation(user=user, place=place, name=name, arguments=args))


async def click(
    registry: Registry,
    user: UserRef,
    ref: ActionRef,
    *,
    fields: dict[str, str] | None = None,
    selected: tuple[str, ...] = (),
) -> Reply:
    return await registry.invoke_action(
        ActionInvocation(user=user, place=None, action=ref, fields=fields or {}, selected=selected)
    )


# ---- finding commands ---------------------------------------------------------------------


async def test_unknown_command_gets_a_private_pointer_to_help(
    registry: Registry, notes: Notes, roster: Roster
) -> None:
    reply = await run(registry, ADA, "notte add", text="hello")
    assert reply.private
    assert "/notte add" in reply.text
    assert "/help" in reply.text
    assert notes.calls == []
    assert roster.seen == []


def test_find_prefers_the_two_word_command(registry: Registry) -> None:
    found = registry.find(["note", "add", "hello"])
    assert found is not None
    assert (found[0].name, found[1]) == ("note add", 2)
    found = registry.find(["roster", "north"])
    assert found is not None
    assert (found[0].name, found[1]) == ("roster", 1)
    assert registry.find(["note"]) is None
    assert registry.find([]) is None


# ---- validating options -------------------------------------------------------------------


async def test_valid_options_reach_the_handler_converted(
    registry: Registry, notes: Notes, clock: FakeClock
) -> None:
    reply = await run(
        registry, MIKA, "note add", text="  Slept well  ", count="3", day="2027-03-10", mood="calm"
    )
    assert reply.text == "Added 3 note(s)."
    assert notes.calls == [
        {
            "text": "Slept well",
            "count": 3,
            "size": "small",
            "day": dt.date(2027, 3, 10),
            "mood": Mood.CALM,
        }
    ]
    assert notes.contexts[0].user == MIKA
    assert notes.contexts[0].now == clock.now()


@pytest.mark.parametrize(
    ("arguments", "option", "expected"),
    [
        ({"count": "abc"}, "count", "a whole number from 1 to 10; you gave 'abc'"),
        ({"count": "0"}, "count", "a whole number from 1 to 10; you gave '0'"),
        ({"count": 11}, "count", "a whole number from 1 to 10; you gave '11'"),
        ({"size": "medium"}, "size", "one of: small, large; you gave 'medium'"),
        ({"mood": "angry"}, "mood", "one of: calm, tired; you gave 'angry'"),
        (
            {"day": "10.03.2027"},
            "day",
            "a date from 2000-01-01 to 2100-12-31, written like 2027-03-10 or 10 March 2027; "
            "you gave '10.03.2027'",
        ),
        (
            {"day": "2027-02-30"},
            "day",
            "a date from 2000-01-01 to 2100-12-31, written like 2027-03-10 or 10 March 2027; "
            "you gave '2027-02-30' (no such day in the calendar)",
        ),
        ({"day": "9999-12-31"}, "day", "a date from 2000-01-01 to 2100-12-31"),
        ({"day": "0001-01-01"}, "day", "a date from 2000-01-01 to 2100-12-31"),
        ({"day": "1704067200"}, "day", "a date from 2000-01-01 to 2100-12-31"),  # a timestamp
        ({"count": 2**63}, "count", f"a whole number from 1 to 10; you gave '{2**63}'"),
        ({"count": "1.5"}, "count", "a whole number from 1 to 10; you gave '1.5'"),
        ({"count": True}, "count", "a whole number from 1 to 10; you gave 'True'"),
        (
            {"count": 10**5000},
            "count",
            "a whole number from 1 to 10; you gave 'a number thousands of digits long'",
        ),
        ({"text": "a\x00b"}, "text", "text of at most 50 characters, without control characters"),
        ({"text": "x" * 51}, "text", "at most 50 characters"),
    ],
)
async def test_a_bad_value_is_explained_privately_and_changes_nothing(
    registry: Registry, notes: Notes, arguments: dict[str, Any], option: str, expected: str
) -> None:
    reply = await run(registry, MIKA, "note add", **{"text": "hello", **arguments})
    assert reply.private
    assert f"The option '{option}' must be {expected}" in reply.text
    assert reply.text.endswith("Nothing was changed.")
    assert notes.calls == []


async def test_an_unknown_option_names_the_valid_ones(registry: Registry, notes: Notes) -> None:
    reply = await run(registry, MIKA, "note add", text="hello", colour="blue")
    assert reply.private
    assert "/note add has no option 'colour'" in reply.text
    assert "Its options are: text, count, size, day, mood." in reply.text
    assert notes.calls == []


@pytest.mark.parametrize("arguments", [{}, {"text": "   "}, {"count": "2"}])
async def test_a_missing_required_option_is_named_with_its_description(
    registry: Registry, notes: Notes, arguments: dict[str, Any]
) -> None:
    reply = await run(registry, MIKA, "note add", **arguments)
    assert reply.private
    assert "/note add needs the option 'text' (The note)." in reply.text
    assert notes.calls == []


async def test_every_problem_is_reported_at_once(registry: Registry, notes: Notes) -> None:
    reply = await run(registry, MIKA, "note add", text="hi", count="lots", size="huge")
    assert "The option 'count' must be" in reply.text
    assert "The option 'size' must be" in reply.text
    assert notes.calls == []


# ---- errors from handlers -----------------------------------------------------------------


def logged_failure(caplog: pytest.LogCaptureFixture, error_id: str) -> logging.LogRecord:
    """The one error record that carries this id."""
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert len(logged) == 1, [r.getMessage() for r in caplog.records]
    assert logged[0].levelno == logging.ERROR
    return logged[0]


def assert_redacted_traceback(
    record: logging.LogRecord, error_type: type[BaseException], frame: str
) -> None:
    """The log has the traceback (type and frames) but not the exception's message."""
    message = record.getMessage()
    assert f"{error_type.__module__}.{error_type.__qualname__} (message withheld)" in message
    assert "test_registry.py" in message
    assert frame in message


async def test_an_unexpected_error_gets_an_apology_with_an_id_that_is_in_the_log(
    registry: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.registry")
    reply = await run(registry, MIKA, "note fail", text="my private words")
    assert reply.private
    assert reply.text.startswith("Sorry, something went wrong")
    match = ERROR_ID.search(reply.text)
    assert match is not None, reply.text
    error_id = match.group(1)
    assert "Traceback" not in reply.text
    assert "File " not in reply.text
    assert "RuntimeError" not in reply.text
    assert "private words" not in reply.text

    record = logged_failure(caplog, error_id)
    assert "/note fail" in record.getMessage()
    assert_redacted_traceback(record, RuntimeError, "in fail")
    assert "private words" not in caplog.text


async def test_each_error_gets_its_own_id(registry: Registry) -> None:
    first = ERROR_ID.search((await run(registry, MIKA, "note fail")).text)
    second = ERROR_ID.search((await run(registry, MIKA, "note fail")).text)
    assert first is not None
    assert second is not None
    assert first.group(1) != second.group(1)


async def test_a_user_error_is_shown_verbatim_and_privately(
    registry: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.registry")
    reply = await run(registry, MIKA, "note refuse")
    assert reply == Reply.private_text(
        "You already have a note for today. Change it with /note edit."
    )
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_option_values_never_reach_the_log(
    registry: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await run(registry, MIKA, "note add", text="I felt overwhelmed today")
    await run(registry, MIKA, "note add", text="I felt overwhelmed today", count="many")
    assert any("/note add" in r.getMessage() for r in caplog.records)
    assert "overwhelmed" not in caplog.text
    assert "many" not in caplog.text


# ---- permissions --------------------------------------------------------------------------


async def test_coordinator_of_the_named_network_is_allowed(
    registry: Registry, roster: Roster
) -> None:
    reply = await run(registry, NOOR, "roster", LOBBY, network="north")
    assert reply.text == "The roster."
    assert roster.seen == [(Role.COORDINATOR, NORTH.id, "north")]


@pytest.mark.parametrize("user", [MIKA, SAM, STRANGER], ids=["member", "other-coord", "stranger"])
async def test_others_are_refused_privately_with_a_reason(
    registry: Registry, roster: Roster, user: UserRef
) -> None:
    reply = await run(registry, user, "roster", LOBBY, network="north")
    assert reply.private
    assert "You need to be a coordinator in North Coast" in reply.text
    assert roster.seen == []


async def test_the_network_comes_from_the_place_when_no_option_is_given(
    registry: Registry, roster: Roster
) -> None:
    allowed = await run(registry, NOOR, "roster", NORTH_ROOM)
    refused = await run(registry, SAM, "roster", NORTH_ROOM)
    assert allowed.text == "The roster."
    assert refused.private
    assert "coordinator in North Coast" in refused.text
    assert roster.seen == [(Role.COORDINATOR, NORTH.id, None)]


async def test_the_network_option_wins_over_the_place(registry: Registry, roster: Roster) -> None:
    reply = await run(registry, SAM, "roster", NORTH_ROOM, network="South")
    assert reply.text == "The roster."
    assert roster.seen == [(Role.COORDINATOR, SOUTH.id, "South")]


async def test_an_unknown_network_is_named_clearly(registry: Registry, roster: Roster) -> None:
    reply = await run(registry, ADA, "roster", NORTH_ROOM, network=" nowhere ")
    assert reply.private
    assert "There is no network called 'nowhere'." in reply.text
    assert "/network list" in reply.text
    assert roster.seen == []


@pytest.mark.parametrize(
    ("place", "network", "network_id"),
    [
        (LOBBY, "north", NORTH.id),
        (LOBBY, "south", SOUTH.id),
        (NORTH_ROOM, None, NORTH.id),
    ],
)
async def test_an_admin_is_allowed_everywhere(
    registry: Registry,
    roster: Roster,
    place: PlaceRef | None,
    network: str | None,
    network_id: int | None,
) -> None:
    args = {"network": network} if network else {}
    assert (await run(registry, ADA, "roster", place, **args)).text == "The roster."
    assert (await run(registry, ADA, "shutdown", place)).text == "Stopping."
    place_network = NORTH.id if place == NORTH_ROOM else None  # /shutdown has no network option
    assert roster.seen == [(Role.ADMIN, network_id, network), (Role.ADMIN, place_network, None)]


@pytest.mark.parametrize("place", [LOBBY, None])
async def test_a_network_command_with_no_network_asks_which(
    registry: Registry, roster: Roster, place: PlaceRef | None
) -> None:
    """Outside a network's channels, /roster cannot guess which network: it asks, for anyone."""
    reply = await run(registry, ADA, "roster", place)
    assert reply.private
    assert "say which with network:SHORT-NAME" in reply.text
    assert roster.seen == []


async def test_only_an_admin_may_run_an_admin_command(registry: Registry, roster: Roster) -> None:
    reply = await run(registry, NOOR, "shutdown", NORTH_ROOM)
    assert reply.private
    assert reply.text.startswith("Only a peerbot admin can do that.")
    assert roster.seen == []


@pytest.mark.parametrize(
    ("user", "place", "role", "network_id"),
    [
        (STRANGER, None, Role.EVERYONE, None),
        (STRANGER, NORTH_ROOM, Role.EVERYONE, NORTH.id),
        (MIKA, NORTH_ROOM, Role.MEMBER, NORTH.id),
        (SAM, LOBBY, Role.COORDINATOR, None),
    ],
)
async def test_an_everyone_command_works_for_anyone_and_sees_their_role(
    registry: Registry,
    roster: Roster,
    user: UserRef,
    place: PlaceRef | None,
    role: Role,
    network_id: int | None,
) -> None:
    reply = await run(registry, user, "hello", place)
    assert reply.text == f"Hello {user.name}."
    assert roster.seen == [(role, network_id, None)]


async def test_a_member_command_needs_membership(registry: Registry, roster: Roster) -> None:
    refused = await run(registry, STRANGER, "whoami", NORTH_ROOM)
    assert refused.private
    assert "You need to be a member in North Coast" in refused.text
    assert "/network join" in refused.text
    assert (await run(registry, MIKA, "whoami", NORTH_ROOM)).text == "member"
    assert roster.seen == [(Role.MEMBER, NORTH.id, None)]


async def test_permission_is_checked_before_the_options(registry: Registry, roster: Roster) -> None:
    reply = await run(registry, MIKA, "roster", NORTH_ROOM, colour="blue")
    assert "coordinator" in reply.text
    assert "colour" not in reply.text
    assert roster.seen == []


# ---- registration -------------------------------------------------------------------------


class Ping:
    name = "ping"
    title = "Ping"

    @command("ping", "Ping", role=Role.EVERYONE)
    async def ping(self, ctx: Context) -> Reply:
        return Reply(text="pong from ping")


class OtherPing:
    name = "otherping"
    title = "Other ping"

    @command("alpha", "Alpha", role=Role.EVERYONE)
    async def alpha(self, ctx: Context) -> Reply:
        return Reply(text="alpha")

    @command("ping", "Ping again", role=Role.EVERYONE)
    async def ping(self, ctx: Context) -> Reply:
        return Reply(text="pong from otherping")


class Meeting:
    name = "meetings"
    title = "Meetings"

    @command("meeting", "Meetings", role=Role.EVERYONE)
    async def meeting(self, ctx: Context) -> Reply:
        return Reply(text="meeting")


class MeetingNext:
    name = "agenda"
    title = "Agenda"

    @command("meeting next", "The next meeting", role=Role.EVERYONE)
    async def next(self, ctx: Context) -> Reply:
        return Reply(text="next")


class OpenAgain:
    name = "open"
    title = "Open"

    @action("notes.open")
    async def open(self, ctx: Context, event: ActionEvent) -> Reply:
        return Reply(text="other")


class MissingProvider:
    name = "missing"
    title = "Missing"

    @command("search", "Search", role=Role.EVERYONE)
    async def search(
        self, ctx: Context, q: Annotated[str, Option("Query", autocomplete="nothing_here")]
    ) -> Reply:
        return Reply(text=q)


def make_registry(clock: FakeClock, *cogs: object) -> Registry:
    registry = Registry(FakeDirectory(), clock)
    for cog in cogs:
        registry.add_cog(cog)
    return registry


async def test_a_command_name_used_by_two_cogs_is_refused(clock: FakeClock) -> None:
    registry = make_registry(clock, Ping())
    with pytest.raises(DuplicateCommand, match="/ping is defined by both ping and otherping"):
        registry.add_cog(OtherPing())
    reply = await run(registry, STRANGER, "ping")
    assert reply.text == "pong from ping"


def test_a_refused_cog_adds_nothing(clock: FakeClock) -> None:
    registry = make_registry(clock, Ping())
    refused = OtherPing()
    with pytest.raises(DuplicateCommand):
        registry.add_cog(refused)
    assert sorted(registry.commands) == ["ping"]
    assert refused not in registry.cogs


@pytest.mark.parametrize("order", [(Meeting, MeetingNext), (MeetingNext, Meeting)])
def test_a_command_and_a_group_of_the_same_name_clash(
    clock: FakeClock, order: tuple[type, type]
) -> None:
    first, second = order
    registry = make_registry(clock, first())
    with pytest.raises(DuplicateCommand, match="clashes"):
        registry.add_cog(second())
    assert len(registry.commands) == 1


def test_an_action_id_used_twice_is_refused(clock: FakeClock) -> None:
    registry = make_registry(clock, Notes())
    with pytest.raises(DuplicateCommand, match=r"action 'notes\.open' is registered twice"):
        registry.add_cog(OpenAgain())
    assert registry.actions["notes.open"].cog == "notes"


def test_autocomplete_must_name_a_method_of_the_cog(clock: FakeClock) -> None:
    registry = Registry(FakeDirectory(), clock)
    with pytest.raises(ValueError, match="autocomplete 'nothing_here' is not a method") as caught:
        registry.add_cog(MissingProvider())
    assert type(caught.value) is ValueError
    assert registry.commands == {}


def test_commands_and_actions_remember_their_cog(registry: Registry) -> None:
    assert registry.commands["note add"].cog == "notes"
    assert registry.commands["roster"].cog == "roster"
    assert registry.actions["notes.open"].cog == "notes"


def test_a_command_name_used_twice_in_one_cog_is_refused(clock: FakeClock) -> None:
    class Twice:
        name = "twice"

        @command("ping", "First", role=Role.EVERYONE)
        async def first(self, ctx: Context) -> Reply:
            return Reply(text="first")

        @command("ping", "Second", role=Role.EVERYONE)
        async def second(self, ctx: Context) -> Reply:
            return Reply(text="second")

    registry = make_registry(clock)
    with pytest.raises(DuplicateCommand, match="/ping is defined by both twice and twice"):
        registry.add_cog(Twice())
    assert registry.commands == {}


def test_a_command_and_group_clash_in_one_cog_is_refused(clock: FakeClock) -> None:
    class Both:
        name = "both"

        @command("meeting", "Meetings", role=Role.EVERYONE)
        async def meeting(self, ctx: Context) -> Reply:
            return Reply(text="meeting")

        @command("meeting next", "The next one", role=Role.EVERYONE)
        async def next(self, ctx: Context) -> Reply:
            return Reply(text="next")

    registry = make_registry(clock)
    with pytest.raises(DuplicateCommand, match="clashes"):
        registry.add_cog(Both())
    assert registry.commands == {}


def test_an_action_id_used_twice_in_one_cog_is_refused(clock: FakeClock) -> None:
    class Twice:
        name = "twice"

        @action("twice.go")
        async def first(self, ctx: Context, event: ActionEvent) -> Reply:
            return Reply(text="first")

        @action("twice.go")
        async def second(self, ctx: Context, event: ActionEvent) -> Reply:
            return Reply(text="second")

    registry = make_registry(clock)
    with pytest.raises(DuplicateCommand, match=r"action 'twice\.go' is registered twice"):
        registry.add_cog(Twice())
    assert registry.actions == {}


# ---- actions ------------------------------------------------------------------------------


async def test_an_action_is_routed_by_id_with_payload_fields_and_choices(
    registry: Registry, notes: Notes
) -> None:
    reply = await click(
        registry,
        MIKA,
        ActionRef(action="notes.open", payload="42"),
        fields={"comment": "thanks"},
        selected=("a", "b"),
    )
    assert reply.text == "Opened note 42."
    assert notes.events == [
        ActionEvent(payload="42", fields={"comment": "thanks"}, selected=("a", "b"))
    ]
    assert notes.contexts[0].user == MIKA
    assert notes.calls == []


async def test_an_unknown_action_says_the_button_is_out_of_date(
    registry: Registry, notes: Notes
) -> None:
    reply = await click(registry, MIKA, ActionRef(action="notes.gone", payload="42"))
    assert reply.private
    assert "no longer exists" in reply.text
    assert "Run the command again" in reply.text
    assert notes.events == []


async def test_an_action_checks_its_role(registry: Registry, notes: Notes) -> None:
    ref = ActionRef(action="notes.members", payload="1")
    refused = await click(registry, STRANGER, ref)
    assert refused.private
    assert "You need to be a member" in refused.text
    assert notes.events == []
    assert (await click(registry, MIKA, ref)).text == "Done."
    assert notes.events == [ActionEvent(payload="1")]


async def test_an_action_user_error_is_verbatim(registry: Registry) -> None:
    reply = await click(registry, MIKA, ActionRef(action="notes.refuse"))
    assert reply == Reply.private_text("That note was already archived.")


async def test_an_action_crash_gets_an_apology_with_a_logged_id(
    registry: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.registry")
    ref = ActionRef(action="notes.broken", payload="9")
    reply = await click(registry, MIKA, ref, fields={"reason": "feeling low"})
    assert reply.private
    match = ERROR_ID.search(reply.text)
    assert match is not None, reply.text
    assert "KeyError" not in reply.text
    record = logged_failure(caplog, match.group(1))
    assert "notes.broken" in record.getMessage()
    assert_redacted_traceback(record, KeyError, "in broken_click")
    assert "feeling low" not in caplog.text


async def test_a_button_still_works_after_a_restart(clock: FakeClock) -> None:
    before = Notes()
    first = make_registry(clock, before)
    shown = await run(first, MIKA, "note show")
    custom_id = shown.buttons[0].action.encode()  # all a platform keeps with the message

    after = Notes()
    second = make_registry(clock, after)  # a new process: new registry, new cog instance
    reply = await click(second, MIKA, ActionRef.decode(custom_id))
    assert reply.text == "Opened note 42."
    assert after.events == [ActionEvent(payload="42")]
    assert before.events == []


# ---- autocomplete -------------------------------------------------------------------------


async def test_autocomplete_returns_at_most_25_suggestions(
    registry: Registry, notes: Notes
) -> None:
    choices = await registry.autocomplete(MIKA, NORTH_ROOM, "note find", "topic", "sleep")
    assert len(choices) == 25
    assert choices[0] == Choice(label="sleep 0", value="0")
    assert choices[-1].value == "24"
    assert notes.lookups == [f"{MIKA.key}:sleep"]


async def test_a_failing_autocomplete_returns_nothing_and_is_logged(
    registry: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.registry")
    choices = await registry.autocomplete(MIKA, None, "note find", "other", "insomnia")
    assert choices == []
    record = next(r for r in caplog.records if "autocomplete" in r.getMessage())
    assert record.levelno == logging.ERROR
    assert "/note find other failed" in record.getMessage()
    assert re.search(r"\[error [0-9A-F]{8}\]", record.getMessage())
    assert_redacted_traceback(record, LookupError, "in broken_topics")
    assert "insomnia" not in caplog.text


@pytest.mark.parametrize(
    ("command_name", "option_name"),
    [("note find", "plain"), ("note find", "nope"), ("nope", "topic")],
)
async def test_autocomplete_without_a_provider_returns_nothing(
    registry: Registry, notes: Notes, command_name: str, option_name: str
) -> None:
    assert await registry.autocomplete(MIKA, None, command_name, option_name, "x") == []
    assert notes.lookups == []


# ---- /help --------------------------------------------------------------------------------

EVERYONE_COMMANDS = {
    "note add",
    "note show",
    "note fail",
    "note refuse",
    "note find",
    "hello",
}


@pytest.mark.parametrize(
    ("user", "extra"),
    [
        (STRANGER, set()),
        (MIKA, {"whoami"}),
        (NOOR, {"whoami", "roster"}),
        (SAM, {"whoami", "roster"}),
        (ADA, {"whoami", "roster", "shutdown"}),
    ],
)
async def test_allowed_commands_follow_the_highest_role(
    registry: Registry, user: UserRef, extra: set[str]
) -> None:
    allowed = {c.name for c in await registry.allowed_commands(user)}
    assert allowed == EVERYONE_COMMANDS | extra


async def test_with_no_network_set_up_it_says_how_to_create_one(
    registry: Registry, directory: FakeDirectory, roster: Roster
) -> None:
    directory._networks.clear()
    reply = await run(registry, ADA, "roster", None)
    assert reply.private
    assert "No peer worker network is set up here yet" in reply.text
    assert "/network create" in reply.text
    assert roster.seen == []


# ---- three-word names and earlier names -------------------------------------------------


class Staffed:
    name = "staffed"
    title = "Staffed"

    @command(
        "manage note wipe",
        "Wipe the notes",
        role=Role.COORDINATOR,
        aliases=("note wipe",),
    )
    async def wipe(self, ctx: Context, network: Annotated[str, Option("Network")]) -> Reply:
        return Reply(text=f"wiped {ctx.network_id}")

    @command("note read", "Read the notes", role=Role.EVERYONE)
    async def read(self, ctx: Context) -> Reply:
        return Reply(text="read")


def test_a_three_word_command_is_found_by_its_name_and_its_earlier_name(
    clock: FakeClock,
) -> None:
    registry = make_registry(clock, Staffed())
    for words, used in ((["manage", "note", "wipe", "x"], 3), (["note", "wipe", "x"], 2)):
        found = registry.find(words)
        assert found is not None
        assert (found[0].name, found[1]) == ("manage note wipe", used)
    found = registry.find(["note", "read"])
    assert found is not None and found[0].name == "note read"
    assert registry.find(["manage", "note"]) is None
    assert registry.aliases == {"note wipe": "manage note wipe"}


async def test_an_earlier_name_runs_the_command_with_the_same_checks(
    clock: FakeClock,
) -> None:
    registry = make_registry(clock, Staffed())
    directory = registry.directory
    assert isinstance(directory, FakeDirectory)
    await directory.assign_role(NOOR.key, NORTH.id, Role.COORDINATOR)
    assert (await run(registry, NOOR, "note wipe", network="north")).text == "wiped 1"
    refused = await run(registry, MIKA, "note wipe", network="north")
    assert refused.private and "coordinator" in refused.text


class ClashingAlias:
    name = "clashing"
    title = "Clashing"

    @command("tidy", "Tidy up", role=Role.EVERYONE, aliases=("note read",))
    async def tidy(self, ctx: Context) -> Reply:
        return Reply(text="tidy")


class PrefixClash:
    name = "prefix"
    title = "Prefix"

    @command("manage note", "Looks like a group", role=Role.EVERYONE)
    async def manage_note(self, ctx: Context) -> Reply:
        return Reply(text="x")


def test_an_earlier_name_taken_by_another_command_is_refused(clock: FakeClock) -> None:
    registry = make_registry(clock, Staffed())
    with pytest.raises(DuplicateCommand, match="/note read is defined by both staffed"):
        registry.add_cog(ClashingAlias())
    with pytest.raises(DuplicateCommand, match="/manage note clashes with /manage note wipe"):
        registry.add_cog(PrefixClash())
    assert sorted(registry.commands) == ["manage note wipe", "note read"]


async def test_a_time_zone_option_is_suggested_by_the_kernel(
    directory: FakeDirectory, clock: FakeClock
) -> None:
    """No cog writes a provider for time zones: every TimeZone option gets the kernel's."""

    class Zones:
        name = "zones"

        @command("zone set", "Pick a zone", role=Role.EVERYONE)
        async def pick(
            self, ctx: Context, zone: Annotated[TimeZone, Option("A time zone")]
        ) -> Reply:
            return Reply.private_text(f"zone {zone}")

    registry = Registry(directory, clock)
    registry.add_cog(Zones())
    choices = await registry.autocomplete(MIKA, None, "zone set", "zone", "perth")
    assert [c.value for c in choices] == ["Australia/Perth"]
    reply = await registry.invoke(
        Invocation(user=MIKA, place=None, name="zone set", arguments={"zone": "australia/perth"})
    )
    assert reply.text == "zone Australia/Perth"
    refused = await registry.invoke(
        Invocation(user=MIKA, place=None, name="zone set", arguments={"zone": "Sydny"})
    )
    assert refused.text == (
        "The option 'zone' must be a time zone like Australia/Sydney, or a city like Perth; "
        "you gave 'Sydny' (did you mean Australia/Sydney?). Nothing was changed."
    )
