"""Things that happen on a platform that cogs may want to act on (someone joined the space).

Adapters call ``member_joined``; cogs subscribe. Handlers queue what they send through the
outbox with a key, so an event delivered twice (a reconnect) never welcomes anyone twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.errors import log_failure
from bot.identity import PlaceRef, UserRef
from bot.storage import Transaction

if TYPE_CHECKING:
    from bot.ports import OutboundPort

log = logging.getLogger(__name__)

MemberJoinedHandler = Callable[[UserRef, PlaceRef], Awaitable[None]]
NetworkArchivedHandler = Callable[[int], Awaitable[None]]
SpaceAvailableHandler = Callable[[PlaceRef], Awaitable[None]]
#: Someone marked a native calendar event in a space as interesting to them (Discord's
#: Interested), or took that back: (space, event id, the person, interested or not).
EventInterestHandler = Callable[[PlaceRef, str, UserRef, bool], Awaitable[None]]
#: After /privacy delete committed: the person's key; returns a note for them (or "").
PersonDeletedHandler = Callable[[str], Awaitable[str]]
#: What a cog can add to /network info: (heading, text) pairs for one network.
NetworkFacts = Callable[[int], Awaitable[list[tuple[str, str]]]]
#: After /network setup in a space (network id, space, its port): a cog checks or repairs
#: its own part there and returns a note for the coordinator (or "").
NetworkSetUpHandler = Callable[[int, PlaceRef, "OutboundPort"], Awaitable[str]]


@dataclass(frozen=True)
class Leaving:
    """A person is being taken out of a network."""

    person_key: str
    network_id: int
    network_name: str
    #: True when they left themselves: a note for them goes in their confirmation. False when
    #: someone else removed them: a cog with something to tell them tells them privately.
    by_themselves: bool


#: Inside the transaction that takes the person out (so it is all or nothing): drop what only
#: a member of that network has (answers to its meetings, reminders, check-ins). Returns a
#: note for the person's confirmation ("" when nothing of theirs stopped).
LeavingHandler = Callable[[Transaction, Leaving], Awaitable[str]]
#: Once that transaction committed: re-plan schedules, redraw what shows counts.
LeftHandler = Callable[[Leaving], Awaitable[None]]


class Events:
    def __init__(self) -> None:
        self._member_joined: list[MemberJoinedHandler] = []
        self._network_archived: list[NetworkArchivedHandler] = []
        self._network_facts: list[NetworkFacts] = []
        self._space_available: list[SpaceAvailableHandler] = []
        self._person_deleted: list[PersonDeletedHandler] = []
        self._leaving: list[LeavingHandler] = []
        self._left: list[LeftHandler] = []
        self._network_set_up: list[NetworkSetUpHandler] = []
        self._event_interest: list[EventInterestHandler] = []

    def on_event_interest(self, handler: EventInterestHandler) -> None:
        """Called when someone presses (or un-presses) Interested on a native event."""
        self._event_interest.append(handler)

    async def event_interest(
        self, space: PlaceRef, event_id: str, user: UserRef, interested: bool
    ) -> None:
        for handler in self._event_interest:
            try:
                await handler(space, event_id, user, interested)
            except Exception as error:
                log_failure(log, error, "event-interest handler %s failed", handler.__qualname__)

    def on_leaving(self, handler: LeavingHandler, after: LeftHandler | None = None) -> None:
        """Called when a person leaves a network or is removed from it: ``handler`` inside
        the transaction that removes the membership, ``after`` once it committed."""
        self._leaving.append(handler)
        if after is not None:
            self._left.append(after)

    async def leaving(self, tx: Transaction, leaving: Leaving) -> str:
        """Run in the membership's transaction; an error rolls the whole leaving back."""
        notes = ""
        for handler in self._leaving:
            notes += await handler(tx, leaving)
        return notes

    async def left(self, leaving: Leaving) -> None:
        for handler in self._left:
            try:
                await handler(leaving)
            except Exception as error:
                log_failure(log, error, "left-network handler %s failed", handler.__qualname__)

    def on_network_set_up(self, handler: NetworkSetUpHandler) -> None:
        """Called after /network setup has made (or repaired) a network's channels in a space."""
        self._network_set_up.append(handler)

    async def network_set_up(self, network_id: int, space: PlaceRef, port: OutboundPort) -> str:
        notes = ""
        for handler in self._network_set_up:
            try:
                notes += await handler(network_id, space, port)
            except Exception as error:
                log_failure(log, error, "network-set-up handler %s failed", handler.__qualname__)
        return notes

    def on_space_available(self, handler: SpaceAvailableHandler) -> None:
        """Called when a space (a Discord server) is ready to act in: at start, once the
        platform has sent it, and again after an outage."""
        self._space_available.append(handler)

    async def space_available(self, space: PlaceRef) -> None:
        for handler in self._space_available:
            try:
                await handler(space)
            except Exception as error:
                log_failure(log, error, "space-available handler %s failed", handler.__qualname__)

    def on_person_deleted(self, handler: PersonDeletedHandler) -> None:
        """Called after a person's data was deleted, to undo what lives on the platforms."""
        self._person_deleted.append(handler)

    async def person_deleted(self, person_key: str) -> str:
        notes = ""
        for handler in self._person_deleted:
            try:
                notes += await handler(person_key)
            except Exception as error:
                log_failure(log, error, "person-deleted handler %s failed", handler.__qualname__)
        return notes

    def on_network_archived(self, handler: NetworkArchivedHandler) -> None:
        """Called after a network is archived, so its schedules stop."""
        self._network_archived.append(handler)

    async def network_archived(self, network_id: int) -> None:
        for handler in self._network_archived:
            try:
                await handler(network_id)
            except Exception as error:
                log_failure(log, error, "network-archived handler %s failed", handler.__qualname__)

    def add_network_facts(self, provider: NetworkFacts) -> None:
        """A cog that knows something about a network (its next meeting) adds it to its info."""
        self._network_facts.append(provider)

    async def network_facts(self, network_id: int) -> list[tuple[str, str]]:
        facts: list[tuple[str, str]] = []
        for provider in self._network_facts:
            try:
                facts.extend(await provider(network_id))
            except Exception as error:
                log_failure(log, error, "network facts from %s failed", provider.__qualname__)
        return facts

    def on_member_joined(self, handler: MemberJoinedHandler) -> None:
        self._member_joined.append(handler)

    async def member_joined(self, user: UserRef, space: PlaceRef) -> None:
        for handler in self._member_joined:
            try:
                await handler(user, space)
            except Exception as error:
                log_failure(log, error, "member-joined handler %s failed", handler.__qualname__)
