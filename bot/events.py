"""Things that happen on a platform that cogs may want to act on (someone joined the space).

Adapters call ``member_joined``; cogs subscribe. Handlers queue what they send through the
outbox with a key, so an event delivered twice (a reconnect) never welcomes anyone twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.errors import log_failure
from bot.identity import PlaceRef, UserRef

log = logging.getLogger(__name__)

MemberJoinedHandler = Callable[[UserRef, PlaceRef], Awaitable[None]]


class Events:
    def __init__(self) -> None:
        self._member_joined: list[MemberJoinedHandler] = []

    def on_member_joined(self, handler: MemberJoinedHandler) -> None:
        self._member_joined.append(handler)

    async def member_joined(self, user: UserRef, space: PlaceRef) -> None:
        for handler in self._member_joined:
            try:
                await handler(user, space)
            except Exception as error:
                log_failure(log, error, "member-joined handler %s failed", handler.__qualname__)
