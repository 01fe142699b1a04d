"""Getting the answer to the person who asked, whatever happens to the interaction.

Discord gives a bot three seconds to acknowledge an interaction (else 10062, Unknown
interaction) and fifteen minutes of follow-ups on its token (else 50027, Invalid Webhook
Token); 5xx and 429 bursts come on top, and discord.py retries them itself, so a call that
Discord carried out but whose answer was lost comes back as 40060 (already acknowledged).

What is safe to try again, and what is not:

- the callback (the first answer, or "thinking..."): Discord accepts only one per interaction,
  so trying it again can never show the person anything twice; 40060 means an earlier try
  landed;
- the answer after "thinking...": an edit of that message (not a new follow-up), so a retry
  of a lost answer edits the same message again instead of posting a second one;
- the extra parts of a long answer are new follow-ups, never retried by us.

When nothing works the answer goes to the person's direct messages through the outbox, under a
key of the interaction, so it survives a restart and arrives once.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from typing import Any

import aiohttp
import discord

from bot.identity import UserRef
from bot.outbox import Outbox
from bot.platforms.discord.render import MessageParts, to_message, to_modal
from bot.replies import Reply

log = logging.getLogger(__name__)

PLATFORM = "discord"
#: What a call to Discord can fail with: its refusals, and a connection lost or timed out.
FAILURES = (discord.HTTPException, aiohttp.ClientError, OSError, asyncio.TimeoutError)
ALREADY_ACKNOWLEDGED = 40060
UNKNOWN_INTERACTION = 10062
INVALID_WEBHOOK_TOKEN = 50027
FORM_AFTER_DEFER = (
    "This step needs a form, and Discord only opens a form straight after a command or a "
    "button. Please press the button or run the command again."
)
BY_DM = (
    "Discord did not let peerbot answer you where you asked (it took too long, or Discord was "
    "busy), so here is the answer privately."
)
REST_BY_DM = (
    "Discord did not let peerbot send the rest of its answer where you asked, so here it is "
    "privately."
)
FORM_BY_DM = (
    "Discord did not let peerbot open the form you asked for in time. Please press the "
    "button or run the command again."
)


class State(enum.Enum):
    """Where an interaction stands with Discord."""

    FRESH = "not acknowledged yet"
    DEFERRED = "acknowledged with thinking..."
    LOST = "can no longer be answered in place"


class Answerer:
    """Answers interactions in place when Discord allows it, else privately, never not at all."""

    def __init__(self, outbox: Outbox | None = None) -> None:
        self.outbox = outbox

    async def defer(self, interaction: discord.Interaction[Any]) -> State:
        """Show "thinking..."; tried twice, as trying a callback again is always safe."""
        for attempt in (1, 2):
            try:
                await interaction.response.defer(ephemeral=True, thinking=True)
                return State.DEFERRED
            except FAILURES as error:
                _warn("defer", interaction, error, attempt)
                if _code(error) == ALREADY_ACKNOWLEDGED:
                    return State.DEFERRED  # our earlier try landed; its answer was lost
                if _code(error) == UNKNOWN_INTERACTION:
                    return State.LOST
        return State.LOST

    async def answer(
        self, interaction: discord.Interaction[Any], reply: Reply, state: State
    ) -> None:
        """Send ``reply``: in place if the interaction allows, else as a private follow-up,
        else by direct message."""
        if state is State.LOST:
            await self._by_dm(interaction, reply)
            return
        if reply.form is not None and state is State.FRESH:
            await self._modal(interaction, reply)
            return
        if reply.form is not None:
            reply = Reply(text=FORM_AFTER_DEFER, private=True)
        if state is State.FRESH:
            shown = await self._callback(interaction, reply)
        else:
            shown = await self._edit_thinking(interaction, reply)
        if shown is None:
            return  # shown already, or handed to the direct-message fallback
        await self._more(interaction, reply, shown)

    # ---- the first answer ---------------------------------------------------------------

    async def _callback(
        self, interaction: discord.Interaction[Any], reply: Reply
    ) -> MessageParts | None:
        """Answer with the callback (type 4); the parts shown, or None when done otherwise."""
        for attempt in (1, 2):
            parts = to_message(reply)
            try:
                await interaction.response.send_message(**_kwargs(parts))
                return parts
            except FAILURES as error:
                _warn("answer", interaction, error, attempt)
                if _code(error) == ALREADY_ACKNOWLEDGED:
                    # Only this call acknowledges a fresh interaction: an earlier try of it
                    # reached Discord (its answer was lost), and the person sees the answer.
                    return parts
                if _code(error) == UNKNOWN_INTERACTION:
                    break
        await self._by_dm(interaction, reply)
        return None

    async def _edit_thinking(
        self, interaction: discord.Interaction[Any], reply: Reply
    ) -> MessageParts | None:
        """Replace "thinking..." with the answer. An edit, so trying again is safe."""
        for attempt in (1, 2):
            parts = to_message(reply)
            try:
                await interaction.edit_original_response(**_edit_kwargs(parts))
                return parts
            except FAILURES as error:
                _warn("answer after thinking", interaction, error, attempt)
                if _code(error) == INVALID_WEBHOOK_TOKEN:
                    await self._by_dm(interaction, reply)  # fifteen minutes are over
                    return None
                if isinstance(error, discord.NotFound):  # 10008 Unknown Message
                    break  # the person dismissed the thinking message: a follow-up instead
        return await self._private_followup(interaction, reply)

    async def _private_followup(
        self, interaction: discord.Interaction[Any], reply: Reply
    ) -> MessageParts | None:
        """A new private follow-up; not tried twice, as a lost answer would show it twice."""
        parts = to_message(reply)
        try:
            await interaction.followup.send(**{**_kwargs(parts), "ephemeral": True})
            return parts
        except FAILURES as error:
            _warn("private follow-up", interaction, error, 1)
        await self._by_dm(interaction, reply)
        return None

    async def _more(
        self, interaction: discord.Interaction[Any], reply: Reply, shown: MessageParts
    ) -> None:
        """The rest of a long answer, one follow-up each; what cannot be sent goes by DM."""
        for index, more in enumerate(shown.more):
            try:
                await interaction.followup.send(
                    content=more,
                    ephemeral=shown.ephemeral,
                    allowed_mentions=shown.allowed_mentions,
                )
            except FAILURES as error:
                _warn("the rest of an answer", interaction, error, 1)
                rest = "\n\n".join(shown.more[index:])
                await self._by_dm(interaction, Reply(text=rest, private=True), prefix=REST_BY_DM)
                return
        for index, embeds in enumerate(shown.more_cards):
            try:
                await interaction.followup.send(
                    embeds=embeds,
                    ephemeral=shown.ephemeral,
                    allowed_mentions=shown.allowed_mentions,
                )
            except FAILURES as error:
                _warn("the rest of an answer", interaction, error, 1)
                rest_cards = len(shown.embeds) + sum(len(e) for e in shown.more_cards[:index])
                unsent = Reply(text=reply.text, cards=reply.cards[rest_cards:], private=True)
                await self._by_dm(interaction, unsent, prefix=REST_BY_DM)
                return

    async def _modal(self, interaction: discord.Interaction[Any], reply: Reply) -> None:
        assert reply.form is not None
        for attempt in (1, 2):
            try:
                await interaction.response.send_modal(to_modal(reply.form))
                return
            except FAILURES as error:
                _warn("open a form", interaction, error, attempt)
                if _code(error) == ALREADY_ACKNOWLEDGED:
                    return  # the form opened; only its answer was lost
                if _code(error) == UNKNOWN_INTERACTION:
                    break
        await self._by_dm(interaction, Reply(text=FORM_BY_DM, private=True), prefix="")

    # ---- the last resort ----------------------------------------------------------------

    async def _by_dm(
        self, interaction: discord.Interaction[Any], reply: Reply, *, prefix: str = BY_DM
    ) -> None:
        """Queue the answer to the person's direct messages, once per interaction."""
        person = UserRef(platform=PLATFORM, id=str(interaction.user.id))
        if self.outbox is None:
            log.error("could not answer Discord interaction %s, and no outbox", interaction.id)
            return
        message = reply.model_copy(
            update={"text": f"{prefix}\n\n{reply.text}".strip(), "form": None, "private": True}
        )
        queued = await self.outbox.send(
            key=f"discord:interaction:{interaction.id}:answer", target=person, message=message
        )
        log.warning(
            "Discord interaction %s: answering by direct message instead%s",
            interaction.id,
            "" if queued else " (already queued)",
        )


def _kwargs(parts: MessageParts) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "ephemeral": parts.ephemeral,
        "allowed_mentions": parts.allowed_mentions,
    }
    if parts.content is not None:
        kwargs["content"] = parts.content
    if parts.embeds:
        kwargs["embeds"] = parts.embeds
    if parts.view is not None:
        kwargs["view"] = parts.view
    if parts.files:
        kwargs["files"] = parts.files
    return kwargs


def _edit_kwargs(parts: MessageParts) -> dict[str, Any]:
    """An edit cannot change whether a message is ephemeral: "thinking..." decided that."""
    kwargs: dict[str, Any] = {"embeds": parts.embeds, "allowed_mentions": parts.allowed_mentions}
    if parts.content is not None:
        kwargs["content"] = parts.content
    if parts.view is not None:
        kwargs["view"] = parts.view
    if parts.files:
        kwargs["attachments"] = parts.files
    return kwargs


def _code(error: Exception) -> int | None:
    """Discord's error code, when Discord answered at all."""
    return error.code if isinstance(error, discord.HTTPException) else None


def _warn(what: str, interaction: discord.Interaction[Any], error: Exception, attempt: int) -> None:
    status = getattr(error, "status", type(error).__name__)
    code = _code(error)
    log.warning(
        "Discord interaction %s: could not %s (try %d): HTTP %s, Discord code %s",
        interaction.id,
        what,
        attempt,
        status,
        code,
    )
