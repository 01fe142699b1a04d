"""The registry: every cog's commands and actions, and the one path every invocation takes.

Whatever the platform, an invocation goes: find the command, work out which network it
concerns, check the caller's role there, validate the options, run the handler, and turn any
error into a private reply. Adapters only translate to and from this.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from bot.clock import Clock
from bot.commands import (
    ActionEvent,
    ActionSpec,
    CommandSpec,
    Context,
    MessageCommandSpec,
    MessageTarget,
    OptionSpec,
    Role,
    action_spec,
    command_spec,
    message_command_spec,
    option_names,
)
from bot.errors import PermissionDenied, UserError, log_failure, new_error_id
from bot.identity import PlaceRef, UserRef
from bot.mentions import strip_marks
from bot.observe import Observers, Outcome
from bot.people import People
from bot.permissions import Directory, NetworkInfo, denial_message
from bot.replies import ActionRef, Choice, Reply
from bot.storage_checks import CANNOT_SAVE, cannot_save_message, problem_of
from bot.timezones import complete_timezones

log = logging.getLogger(__name__)

NETWORK_OPTION = "network"
NO_NETWORKS_YET = (
    "No peer worker network is set up here yet, so there is nothing to do that in. "
    "An admin can create one with /network create."
)
# A command needing one of these roles acts on one network, so it must know which one
# (member commands may mean "all my networks" when none is given).
_NETWORK_ROLES = (Role.EXECUTIVE, Role.COORDINATOR)


@dataclass(frozen=True)
class Invocation:
    """A person ran a command, with the options as the platform gave them."""

    user: UserRef
    place: PlaceRef | None
    name: str
    arguments: Mapping[str, Any] = field(default_factory=dict)
    space: PlaceRef | None = None


@dataclass(frozen=True)
class ActionInvocation:
    """A person pressed a button, picked from a menu or submitted a form."""

    user: UserRef
    place: PlaceRef | None
    action: ActionRef
    fields: Mapping[str, str] = field(default_factory=dict)
    selected: tuple[str, ...] = ()
    space: PlaceRef | None = None
    #: The press was taken back (see ``ActionEvent.withdrawn``).
    withdrawn: bool = False


@dataclass(frozen=True)
class MessageInvocation:
    """A person ran a command on a message (Discord's message menu)."""

    user: UserRef
    place: PlaceRef | None
    label: str
    target: MessageTarget
    space: PlaceRef | None = None


def _shown(given: Any) -> str:
    """What the person gave, short and printable, to quote back to them."""
    try:
        text = str(given)
    except ValueError:  # an integer past Python's 4300-digit limit for text
        return "a number thousands of digits long"
    shown = "".join(c if c.isprintable() else "?" for c in text[:40])
    return shown + ("…" if len(text) > 40 else "")


class DuplicateCommand(ValueError):
    pass


class Registry:
    def __init__(
        self,
        directory: Directory,
        clock: Clock,
        people: People | None = None,
        observers: Observers | None = None,
    ) -> None:
        self.directory = directory
        self.clock = clock
        #: Told how each command went (its name, outcome and time), for /metrics.
        self.observers = observers or Observers()
        #: Linked identities: every command runs as the person, whatever account they use.
        self.people = people
        self.commands: dict[str, CommandSpec] = {}
        self.actions: dict[str, ActionSpec] = {}
        self.message_commands: dict[str, MessageCommandSpec] = {}
        #: Earlier names (``meeting schedule``) -> the command's name now, for text platforms.
        self.aliases: dict[str, str] = {}
        self._owners: dict[str, object] = {}
        self.cogs: list[object] = []

    # ---- registration -------------------------------------------------------------------

    def add_cog(self, cog: object) -> None:
        """Collect a cog's commands and actions; refuse any name that is already taken."""
        cog_name = str(getattr(cog, "name", type(cog).__name__))
        found_commands: list[CommandSpec] = []
        found_actions: list[ActionSpec] = []
        found_on_messages: list[MessageCommandSpec] = []
        for attr in dir(type(cog)):
            member = getattr(type(cog), attr)
            if (spec := command_spec(member)) is not None:
                found_commands.append(spec)
            if (aspec := action_spec(member)) is not None:
                found_actions.append(aspec)
            if (mspec := message_command_spec(member)) is not None:
                found_on_messages.append(mspec)
        for mspec in found_on_messages:
            if mspec.label in self.message_commands:
                raise DuplicateCommand(f"message command {mspec.label!r} is registered twice")
        names = set(self.commands) | set(self.aliases)
        for spec in found_commands:
            for name in (spec.name, *spec.aliases):
                if name in names:
                    owner = self._owner_name(name, cog_name)
                    raise DuplicateCommand(f"/{name} is defined by both {owner} and {cog_name}")
                _check_prefixes(name, names)
                names.add(name)
            for option in spec.options:
                if option.autocomplete and not callable(getattr(cog, option.autocomplete, None)):
                    raise ValueError(
                        f"/{spec.name}: autocomplete {option.autocomplete!r} is not a method "
                        f"of {cog_name}"
                    )
        action_ids = set(self.actions)
        for aspec in found_actions:
            if aspec.action_id in action_ids:
                raise DuplicateCommand(f"action {aspec.action_id!r} is registered twice")
            action_ids.add(aspec.action_id)
        for spec in found_commands:
            spec.cog = cog_name
            self.commands[spec.name] = spec
            for alias in spec.aliases:
                self.aliases[alias] = spec.name
            self._owners[spec.name] = cog
        for aspec in found_actions:
            aspec.cog = cog_name
            self.actions[aspec.action_id] = aspec
            self._owners["action:" + aspec.action_id] = cog
        for mspec in found_on_messages:
            mspec.cog = cog_name
            self.message_commands[mspec.label] = mspec
            self._owners["message:" + mspec.label] = cog
        self.cogs.append(cog)

    def find(self, words: list[str]) -> tuple[CommandSpec, int] | None:
        """The command named by the first one to three words (its name or an earlier one),
        and how many words it used."""
        for used in (3, 2, 1):
            if len(words) >= used and (spec := self.named(" ".join(words[:used]))) is not None:
                return spec, used
        return None

    def named(self, name: str) -> CommandSpec | None:
        """The command with this name, or with this as an earlier name."""
        return self.commands.get(name) or self.commands.get(self.aliases.get(name, ""))

    def _owner_name(self, name: str, default: str) -> str:
        spec = self.named(name)
        return spec.cog if spec is not None else default

    # ---- running commands ---------------------------------------------------------------

    async def invoke(self, invocation: Invocation) -> Reply:
        spec = self.named(invocation.name)
        started = time.perf_counter()
        if spec is None:
            return Reply.private_text(self._unknown_command_message(invocation.name))

        name = spec.name

        def observed(outcome: Outcome) -> None:
            self.observers.command(name, outcome, time.perf_counter() - started)

        try:
            ctx = await self._context(invocation.user, invocation.place, invocation.space)
            network = await self._network_for(spec, invocation, ctx)
            await self._check_role(spec.role, ctx, network)
            arguments = self._validate(spec, invocation.arguments)
            handler = getattr(self._owners[spec.name], spec.handler.__name__)
            reply: Reply = await handler(ctx, **arguments)
        except UserError as error:
            log.info("command /%s refused: %s", spec.name, type(error).__name__)
            observed(Outcome.DENIED if isinstance(error, PermissionDenied) else Outcome.REFUSED)
            return Reply.private_text(str(error))
        except Exception as error:
            observed(Outcome.ERROR)
            return self._apology(f"command /{spec.name}", error)
        observed(Outcome.OK)
        log.info(
            "command /%s on %s done in %.0f ms",
            spec.name,
            invocation.user.platform,
            (time.perf_counter() - started) * 1000,
        )
        return reply

    async def invoke_action(self, invocation: ActionInvocation) -> Reply:
        spec = self.actions.get(invocation.action.action)
        if spec is None:
            return Reply.private_text(
                "That button or form belongs to something that no longer exists. "
                "Run the command again to get a fresh one."
            )
        if invocation.withdrawn and not spec.withdrawable:
            return Reply()  # nothing to take back: the press stays done, and nothing is said
        try:
            ctx = await self._context(invocation.user, invocation.place, invocation.space)
            await self._check_role(spec.role, ctx, None)
            handler = getattr(self._owners["action:" + spec.action_id], spec.handler.__name__)
            event = ActionEvent(
                payload=invocation.action.payload,
                fields={k: strip_marks(v) for k, v in invocation.fields.items()},
                selected=tuple(invocation.selected),
                withdrawn=invocation.withdrawn,
            )
            reply: Reply = await handler(ctx, event)
        except UserError as error:
            return Reply.private_text(str(error))
        except Exception as error:
            return self._apology(f"action {spec.action_id}", error)
        log.info("action %s on %s done", spec.action_id, invocation.user.platform)
        return reply

    async def invoke_on_message(self, invocation: MessageInvocation) -> Reply:
        """A command on a message: the role is checked in the network of the message's place
        (the channel it is in), or anywhere when the place is no network's."""
        spec = self.message_commands.get(invocation.label)
        if spec is None:
            return Reply.private_text(
                f"There is no message command '{invocation.label}' any more. "
                "Type /help to see the commands you can use."
            )
        try:
            ctx = await self._context(invocation.user, invocation.place, invocation.space)
            network = None
            if invocation.place is not None:
                network = await self.directory.network_for_place(invocation.place.key)
            ctx.network_id = network.id if network else None
            await self._check_role(spec.role, ctx, network)
            handler = getattr(self._owners["message:" + spec.label], spec.handler.__name__)
            reply: Reply = await handler(ctx, invocation.target)
        except UserError as error:
            return Reply.private_text(str(error))
        except Exception as error:
            return self._apology(f"message command {spec.label!r}", error)
        log.info("message command %r on %s done", spec.label, invocation.user.platform)
        return reply

    async def autocomplete(
        self,
        user: UserRef,
        place: PlaceRef | None,
        command_name: str,
        option_name: str,
        partial: str,
    ) -> list[Choice]:
        """Suggestions for an option as the person types; never raises (it would only annoy)."""
        spec = self.named(command_name)
        option = spec.option(option_name) if spec else None
        if spec is None or option is None or not option.suggests:
            return []
        if option.autocomplete is None:  # the kernel's own: time zones
            return complete_timezones(partial)
        try:
            ctx = await self._context(user, place, None)
            provider = getattr(self._owners[spec.name], option.autocomplete)
            choices: list[Choice] = await provider(ctx, partial)
        except Exception as error:
            log_failure(
                log,
                error,
                "autocomplete for /%s %s failed [error %s]",
                command_name,
                option_name,
                new_error_id(),
            )
            return []
        return choices[:25]

    async def allowed_commands(self, user: UserRef) -> list[CommandSpec]:
        """The commands this person may run somewhere, for /help."""
        person = self.people.person_of(user.key) if self.people else user.key
        role = await self.directory.role_of(person, None)
        return [c for c in self.commands.values() if c.role <= role]

    # ---- the steps ----------------------------------------------------------------------

    async def _context(
        self, user: UserRef, place: PlaceRef | None, space: PlaceRef | None
    ) -> Context:
        person = self.people.person(user) if self.people else user
        via = user if person.key != user.key else None
        return Context(user=person, place=place, now=self.clock.now(), space=space, via=via)

    async def _network_for(
        self, spec: CommandSpec, invocation: Invocation, ctx: Context
    ) -> NetworkInfo | None:
        slug = invocation.arguments.get(NETWORK_OPTION) if spec.option(NETWORK_OPTION) else None
        if isinstance(slug, str) and slug.strip():
            network = await self.directory.network_by_slug(slug.strip().lower())
            if network is None:
                raise UserError(
                    f"There is no network called '{_shown(slug.strip())}'. "
                    "Type /network list to see the networks and their short names."
                )
        elif ctx.place is not None:
            network = await self.directory.network_for_place(ctx.place.key)
        else:
            network = None
        if network is None and spec.option(NETWORK_OPTION) and spec.role in _NETWORK_ROLES:
            # Not named, not this channel's: the one network the person may run it in.
            everywhere = await self.directory.networks()
            if not everywhere:
                raise UserError(NO_NETWORKS_YET)
            theirs = [
                n
                for n in everywhere
                if await self.directory.role_of(ctx.user.key, n.id) >= spec.role
            ]
            if len(theirs) == 1:
                network = theirs[0]
            elif theirs:
                slugs = ", ".join(n.slug for n in theirs)
                raise UserError(
                    f"/{spec.name} acts on one network: say which with network:SHORT-NAME "
                    f"(yours: {slugs})."
                )
            # in none of them: the role check below says which role it needs
        ctx.network_id = network.id if network else None
        return network

    async def _check_role(self, needed: Role, ctx: Context, network: NetworkInfo | None) -> None:
        ctx.role = await self.directory.role_of(ctx.user.key, network.id if network else None)
        if ctx.role < needed:
            per_network = needed in _NETWORK_ROLES or needed is Role.MEMBER
            if per_network and network is None and not await self.directory.networks():
                raise PermissionDenied(NO_NETWORKS_YET)
            raise PermissionDenied(denial_message(needed, network))

    def _validate(self, spec: CommandSpec, raw: Mapping[str, Any]) -> dict[str, Any]:
        unknown = [name for name in raw if spec.option(name) is None]
        if unknown:
            raise UserError(
                f"/{spec.name} has no option '{unknown[0]}'. "
                f"Its options are: {option_names(spec.options)}."
            )
        cleaned = {
            k: strip_marks(v) if isinstance(v, str) else v
            for k, v in raw.items()
            if not (isinstance(v, str) and v.strip() == "")
        }
        try:
            model = spec.arguments.model_validate(cleaned)
        except ValidationError as error:
            raise UserError(self._explain(spec, error)) from None
        return {name: getattr(model, name) for name in type(model).model_fields}

    @staticmethod
    def _explain(spec: CommandSpec, error: ValidationError) -> str:
        lines = []
        for problem in error.errors():
            name = str(problem["loc"][0]) if problem["loc"] else ""
            option: OptionSpec | None = spec.option(name)
            if option is None:
                lines.append(problem["msg"])
            elif problem["type"] == "missing":
                lines.append(f"/{spec.name} needs the option '{name}' ({option.description}).")
            else:
                shown = _shown(problem.get("input"))
                too_long = problem["type"] == "string_too_long"
                expected = f"at most {option.max_length} characters" if too_long else option.hint
                reason = (
                    problem.get("ctx", {}).get("error")
                    if problem["type"] == "value_error"
                    else None
                )
                why = f" ({reason})" if reason else ""
                lines.append(f"The option '{name}' must be {expected}; you gave '{shown}'{why}.")
        return " ".join(lines) + " Nothing was changed."

    def _unknown_command_message(self, name: str) -> str:
        return f"There is no command /{name}. Type /help to see the commands you can use."

    @staticmethod
    def _apology(what: str, error: Exception) -> Reply:
        error_id = new_error_id()
        problem = problem_of(error)
        if problem in CANNOT_SAVE:
            # Not a bug: the disk or the file refused the write, and the transaction rolled back.
            log.error(
                "cannot save in %s: database %s (%s) [error %s]",
                what,
                problem,
                type(error).__name__,
                error_id,
            )
            return Reply.private_text(cannot_save_message(problem, error_id))
        log_failure(log, error, "unexpected error in %s [error %s]", what, error_id)
        return Reply.private_text(
            "Sorry, something went wrong on our side and nothing was changed. "
            f"If it keeps happening, tell an admin this error id: {error_id}."
        )


def _check_prefixes(name: str, names: set[str]) -> None:
    """A name may not be both a command and the start of a longer one (``/network`` and
    ``/network join``): Discord cannot show both, and text could not tell them apart."""
    words = name.split(" ")
    for taken in names:
        other = taken.split(" ")
        shorter, longer = sorted((words, other), key=len)
        if len(shorter) < len(longer) and longer[: len(shorter)] == shorter:
            raise DuplicateCommand(f"/{name} clashes with /{taken}")
