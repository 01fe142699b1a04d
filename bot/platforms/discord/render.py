"""A neutral Reply as the pieces of a Discord message: content, embeds, components, files.

Cards, when a reply has them, carry the whole message on Discord (as embeds) and ``text`` is
their plain equivalent, shown only when there are no cards; see ``bot.replies.Reply``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import discord

from bot.mentions import MarkStyle, link_parts, render_marks
from bot.platforms.discord.components import ActionButton, ActionSelect, form_custom_id
from bot.replies import ButtonStyle, Card, Form, Mentions, Reply

PLATFORM = "discord"
CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_FIELDS_MAX = 25
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
#: Discord refuses a message whose embeds hold more than this many characters in all.
EMBEDS_TOTAL_MAX = 6000
#: At most this many messages carry one reply's cards; more would flood a channel.
MESSAGES_MAX = 5
BUTTONS_MAX = 25
TEXT_INPUT_MAX = 4000
MODAL_TIMEOUT = 30 * 60.0

_STYLES = {
    ButtonStyle.PRIMARY: discord.ButtonStyle.primary,
    ButtonStyle.SECONDARY: discord.ButtonStyle.secondary,
    ButtonStyle.SUCCESS: discord.ButtonStyle.success,
    ButtonStyle.DANGER: discord.ButtonStyle.danger,
}


def _person(key: str, name: str) -> str:
    platform, _, user_id = key.partition(":")
    return f"<@{user_id}>" if platform == "discord" and user_id.isdigit() else (name or user_id)


def _place(key: str, name: str) -> str:
    platform, _, place_id = key.partition(":")
    if platform == "discord" and place_id.isdigit():
        return f"<#{place_id}>"
    return f"#{name or place_id}"


def _link(value: str, name: str) -> str:
    """A jump link: opens the channel or thread from a direct message too, where a channel
    mention of a private thread shows only as "unknown"."""
    place_key, space_key = link_parts(value)
    platform, _, place_id = place_key.partition(":")
    space_platform, _, guild_id = space_key.partition(":")
    if platform == space_platform == "discord" and place_id.isdigit() and guild_id.isdigit():
        return f"https://discord.com/channels/{guild_id}/{place_id}"
    return _place(place_key, name)


def _time(epoch: str, label: str) -> str:
    return f"{label} (<t:{epoch}:f>)" if epoch.lstrip("-").isdigit() else label


#: People as mentions (shown as their names; allowed_mentions keeps them from pinging),
#: channels as links, times in the network's zone and as a timestamp in the reader's own.
DISCORD_MARKS = MarkStyle(person=_person, place=_place, time=_time, link=_link)


@dataclass
class MessageParts:
    """What one Discord message is made of. ``more`` holds text that did not fit in one, and
    ``more_cards`` the cards that did not (each list one more message, after the first)."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    files: list[discord.File] = field(default_factory=list)
    more: list[str] = field(default_factory=list)
    more_cards: list[list[discord.Embed]] = field(default_factory=list)
    ephemeral: bool = False
    allowed_mentions: discord.AllowedMentions = field(default_factory=discord.AllowedMentions.none)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def split_text(text: str, limit: int = CONTENT_MAX) -> list[str]:
    """Split long text between paragraphs or lines, never in the middle of a word if avoidable."""
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n\n", 0, limit)
        if cut <= 0:
            cut = rest.rfind("\n", 0, limit)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def card_to_embed(card: Card) -> discord.Embed:
    embed = discord.Embed(
        title=_clip(card.title, EMBED_TITLE_MAX),
        description=_clip(card.description, EMBED_DESCRIPTION_MAX) or None,
        url=card.url,
    )
    for card_field in card.fields[:EMBED_FIELDS_MAX]:
        embed.add_field(
            name=_clip(card_field.name, FIELD_NAME_MAX),
            value=_clip(card_field.value, FIELD_VALUE_MAX) or "-",
            inline=card_field.inline,
        )
    if card.footer:
        embed.set_footer(text=_clip(card.footer, 2048))
    return embed


def fit_embeds(embeds: list[discord.Embed]) -> tuple[list[discord.Embed], int]:
    """Keep one message's embeds within Discord's total: shorten the longest descriptions first
    (never below a readable start), then leave out whole cards from the end. Returns the
    embeds and how many cards were left out, so the message can say so."""
    kept = list(embeds)
    while sum(len(e) for e in kept) > EMBEDS_TOTAL_MAX:
        excess = sum(len(e) for e in kept) - EMBEDS_TOTAL_MAX
        longest = max(kept, key=lambda e: len(e.description or ""))
        room = len(longest.description or "") - 200
        if room > 0:
            longest.description = _clip(
                longest.description or "", len(longest.description or "") - min(room, excess + 1)
            )
            continue
        kept.pop()
    return kept, len(embeds) - len(kept)


def pack_embeds(embeds: list[discord.Embed]) -> tuple[list[list[discord.Embed]], int]:
    """Cards in as few messages as Discord allows (ten embeds and 6000 characters each), in
    order, so a long reply (the privacy policy) arrives whole over several messages instead
    of losing its last cards. Only a card too long on its own is shortened. Returns the
    messages' embeds and how many cards were still left out (at most ``MESSAGES_MAX``
    messages are sent for one reply)."""
    messages: list[list[discord.Embed]] = []
    left_out = 0
    for embed in embeds:
        fitted, dropped = fit_embeds([embed])
        if dropped:
            left_out += 1
            continue
        current = messages[-1] if messages else None
        if (
            current is not None
            and len(current) < EMBEDS_MAX
            and sum(len(e) for e in current) + len(embed) <= EMBEDS_TOTAL_MAX
        ):
            current.append(embed)
        elif len(messages) < MESSAGES_MAX:
            messages.append(fitted)
        else:
            left_out += 1
    return messages, left_out


def build_view(reply: Reply) -> discord.ui.View | None:
    """Buttons and a select menu as a persistent view (no timeout; routed by custom id)."""
    if not reply.buttons and reply.select is None:
        return None
    view = discord.ui.View(timeout=None)
    for button in reply.buttons[:BUTTONS_MAX]:
        view.add_item(ActionButton.build(button.action, button.label, _STYLES[button.style]))
    if reply.select is not None:
        view.add_item(ActionSelect.build(reply.select))
    return view


def allowed_mentions(mentions: Mentions) -> discord.AllowedMentions:
    """Exactly the people and roles the reply means to notify; never @everyone or @here.

    Every field is set, so nothing falls back to discord.py's or Discord's defaults (which
    parse every mention in the text). A mention that reaches Discord live in a private thread
    adds that person to the thread: typed text must never do that.
    """
    users = [discord.Object(int(user_id)) for user_id in mentions.user_ids(PLATFORM)]
    roles = [discord.Object(int(role_id)) for role_id in mentions.roles]
    return discord.AllowedMentions(
        everyone=False, users=users or False, roles=roles or False, replied_user=False
    )


def to_message(reply: Reply) -> MessageParts:
    reply = render_marks(reply, DISCORD_MARKS)
    parts = MessageParts(ephemeral=reply.private, allowed_mentions=allowed_mentions(reply.mentions))
    if reply.cards:
        packed, left_out = pack_embeds([card_to_embed(card) for card in reply.cards])
        if packed:
            parts.embeds, parts.more_cards = packed[0], packed[1:]
        if left_out:
            parts.content = f"{left_out} more did not fit in this message."
    elif reply.text:
        chunks = split_text(reply.text)
        parts.content, parts.more = chunks[0], chunks[1:]
    if reply.cards and reply.mentions.roles and parts.content is None:
        # Discord reads mentions only in the content, never in embeds: a card meant to
        # notify a role (a meeting notice, the network's members) names it there.
        parts.content = " ".join(f"<@&{role_id}>" for role_id in reply.mentions.roles)
    parts.view = build_view(reply)
    for attachment in reply.attachments:
        parts.files.append(
            discord.File(
                io.BytesIO(attachment.content),
                filename=attachment.filename,
                description=attachment.description or None,
            )
        )
    if parts.content is None and not parts.embeds and not parts.files:
        parts.content = "Done."
    return parts


def to_modal(form: Form) -> discord.ui.Modal:
    # A closed modal is never submitted; the timeout lets discord.py forget it.
    modal = discord.ui.Modal(
        title=_clip(form.title, 45), custom_id=form_custom_id(form.action), timeout=MODAL_TIMEOUT
    )
    for form_field in form.fields:
        modal.add_item(
            discord.ui.TextInput(
                label=_clip(form_field.label, 45),
                custom_id=form_field.name,
                style=discord.TextStyle.paragraph if form_field.long else discord.TextStyle.short,
                required=form_field.required,
                max_length=min(form_field.max_length, TEXT_INPUT_MAX),
                placeholder=_clip(form_field.placeholder, 100) or None,
                default=form_field.default or None,
            )
        )
    return modal
