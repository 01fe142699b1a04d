"""Builders for the JSON objects Discord sends, shaped the way discord.py 2.7 parses them.

Every builder returns a fresh plain dict with snowflakes as strings, like the real API. Fields
discord.py reads with ``data[...]`` (no default) are always present: leaving one out makes the
library raise ``KeyError`` deep inside a parser, far from the test that caused it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

Json = dict[str, Any]

DISCORD_EPOCH_MS = 1_420_070_400_000

# Permission bits used by the fake (https://discord.com/developers/docs/topics/permissions).
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_MESSAGES = 1 << 13
MANAGE_THREADS = 1 << 34
MANAGE_ROLES = 1 << 28
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
ADD_REACTIONS = 1 << 6
MENTION_EVERYONE = 1 << 17
USE_APPLICATION_COMMANDS = 1 << 31
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
MANAGE_EVENTS = 1 << 33
CREATE_EVENTS = 1 << 44
#: Since 23 February 2026 pinning needs this; Manage Messages alone no longer does.
PIN_MESSAGES = 1 << 51
ALL_PERMISSIONS = (1 << 53) - 1
DEFAULT_EVERYONE_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | ADD_REACTIONS
    | USE_APPLICATION_COMMANDS
    | CREATE_PUBLIC_THREADS
    | SEND_MESSAGES_IN_THREADS
)

#: The auto-archive durations Discord accepts, in minutes.
AUTO_ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)

# Channel types.
GUILD_TEXT = 0
DM = 1
GUILD_CATEGORY = 4
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
THREAD_TYPES = frozenset({10, PUBLIC_THREAD, PRIVATE_THREAD})

# Message flags.
EPHEMERAL = 1 << 6
LOADING = 1 << 7

# Application flags a typical unverified bot has: the limited members and content intents.
APPLICATION_FLAGS = (1 << 15) | (1 << 19)
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


class Snowflakes:
    """Unique, increasing snowflakes that carry the moment they were made, as Discord's do
    (``now`` is the fake's clock, which a test may move forward)."""

    def __init__(self, now: Callable[[], datetime] | None = None) -> None:
        self._now = now or (lambda: datetime.now(UTC))
        self._last = 0

    def next(self) -> int:
        stamp = (int(self._now().timestamp() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last = max(self._last + 1, stamp)
        return self._last


def iso(moment: datetime | None = None) -> str:
    """An ISO 8601 timestamp in UTC, the format of every Discord time field."""
    return (moment or datetime.now(UTC)).isoformat()


def user(user_id: int, username: str, *, bot: bool = False) -> Json:
    return {
        "id": str(user_id),
        "username": username,
        "discriminator": "0",
        "global_name": None if bot else username.title(),
        "avatar": None,
        "bot": bot,
        "system": False,
        "public_flags": 0,
        "flags": 0,
    }


def role(
    role_id: int,
    name: str,
    *,
    permissions: int = 0,
    position: int = 0,
    managed: bool = False,
    mentionable: bool = False,
    hoist: bool = False,
    tags: Json | None = None,
) -> Json:
    extra: Json = {} if tags is None else {"tags": dict(tags)}
    return {
        **extra,
        "id": str(role_id),
        "name": name,
        "permissions": str(permissions),
        "position": position,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": hoist,
        "icon": None,
        "unicode_emoji": None,
        "managed": managed,
        "mentionable": mentionable,
        "flags": 0,
    }


def member(user_payload: Json, *, role_ids: Iterable[int] = (), nick: str | None = None) -> Json:
    """A guild member. ``flags`` is required by discord.py even though it is usually 0."""
    return {
        "user": dict(user_payload),
        "roles": [str(r) for r in role_ids],
        "nick": nick,
        "avatar": None,
        "banner": None,
        "joined_at": iso(),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,
        "communication_disabled_until": None,
    }


def overwrite(target_id: int | str, kind: int, allow: int | str = 0, deny: int | str = 0) -> Json:
    """A permission overwrite; ``kind`` is 0 for a role and 1 for a member."""
    return {"id": str(target_id), "type": int(kind), "allow": str(allow), "deny": str(deny)}


def guild_channel(
    channel_id: int,
    guild_id: int,
    name: str,
    *,
    kind: int = GUILD_TEXT,
    position: int = 0,
    parent_id: int | str | None = None,
    permission_overwrites: Iterable[Mapping[str, Any]] = (),
    topic: str | None = None,
) -> Json:
    return {
        "id": str(channel_id),
        "type": kind,
        "guild_id": str(guild_id),
        "name": name,
        "position": position,
        "parent_id": None if parent_id is None else str(parent_id),
        "permission_overwrites": [
            overwrite(o["id"], o["type"], o.get("allow", 0), o.get("deny", 0))
            for o in permission_overwrites
        ],
        "topic": topic,
        "nsfw": False,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


def thread(
    thread_id: int,
    guild_id: int,
    parent_id: int,
    owner_id: int,
    name: str,
    *,
    kind: int = PRIVATE_THREAD,
    invitable: bool = True,
    auto_archive_duration: int = 1440,
) -> Json:
    return {
        "id": str(thread_id),
        "type": kind,
        "guild_id": str(guild_id),
        "parent_id": str(parent_id),
        "owner_id": str(owner_id),
        "name": name,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 0,
        "total_message_sent": 0,
        "flags": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": auto_archive_duration,
            "archive_timestamp": iso(),
            "locked": False,
            "invitable": invitable,
            "create_timestamp": iso(),
        },
    }


def thread_member(thread_id: int, user_id: int) -> Json:
    return {
        "id": str(thread_id),
        "user_id": str(user_id),
        "join_timestamp": iso(),
        "flags": 0,
    }


def dm_channel(channel_id: int, recipient: Json) -> Json:
    return {
        "id": str(channel_id),
        "type": DM,
        "last_message_id": None,
        "flags": 0,
        "recipients": [dict(recipient)],
    }


def guild(guild_id: int, name: str, owner_id: int, roles: Iterable[Json]) -> Json:
    """The guild object of GET /guilds/{id}; GUILD_CREATE adds the gateway-only fields."""
    return {
        "id": str(guild_id),
        "name": name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": "en-US",
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "application_id": None,
        "features": [],
        "roles": [dict(r) for r in roles],
        "emojis": [],
        "stickers": [],
        "max_members": 500000,
        "max_video_channel_users": 25,
    }


def message(
    message_id: int,
    channel_id: int,
    author: Json,
    body: Mapping[str, Any],
    *,
    guild_id: int | None = None,
    message_type: int = 0,
    webhook_id: int | None = None,
    application_id: int | None = None,
) -> Json:
    """A message built from what the bot sent (``body`` is the JSON of its create request)."""
    payload: Json = {
        "id": str(message_id),
        "type": message_type,
        "channel_id": str(channel_id),
        "author": dict(author),
        "content": body.get("content") or "",
        "timestamp": iso(),
        "edited_timestamp": None,
        "tts": bool(body.get("tts", False)),
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": list(body.get("attachments") or []),
        "embeds": list(body.get("embeds") or []),
        "components": list(body.get("components") or []),
        "reactions": [],
        "pinned": False,
        "flags": int(body.get("flags") or 0),
    }
    if guild_id is not None:
        payload["guild_id"] = str(guild_id)
    if webhook_id is not None:
        payload["webhook_id"] = str(webhook_id)
    if application_id is not None:
        payload["application_id"] = str(application_id)
    # Not the nonce: Discord uses it for a few minutes and does not keep it with the message
    # (FakeState.nonces holds it, and the create answer and MESSAGE_CREATE carry it).
    for key in ("poll", "message_reference", "sticker_items"):
        if body.get(key) is not None:
            payload[key] = body[key]
    return payload


def attachment(attachment_id: int, filename: str, size: int, content_type: str | None) -> Json:
    url = f"https://cdn.discordapp.com/attachments/{attachment_id}/{filename}"
    return {
        "id": str(attachment_id),
        "filename": filename,
        "size": size,
        "url": url,
        "proxy_url": url,
        "content_type": content_type,
    }


def application(app_id: int, bot_user: Json, owner: Json) -> Json:
    """GET /oauth2/applications/@me. ``interactions_endpoint_url`` must stay null, or
    discord.py warns that interactions will not reach the gateway."""
    return {
        "id": str(app_id),
        "name": bot_user["username"],
        "icon": None,
        "description": "",
        "bot_public": False,
        "bot_require_code_grant": False,
        "owner": dict(owner),
        "verify_key": "0" * 64,
        "flags": APPLICATION_FLAGS,
        "bot": dict(bot_user),
        "interactions_endpoint_url": None,
        "redirect_uris": [],
        "tags": [],
    }


def application_command(
    command_id: int, application_id: int, body: Mapping[str, Any], *, guild_id: int | None
) -> Json:
    """A stored command: the bot's definition plus the fields Discord adds."""
    payload: Json = {
        "type": 1,
        "description": "",
        "options": [],
        "default_member_permissions": None,
        "nsfw": False,
        **body,
        "id": str(command_id),
        "application_id": str(application_id),
        "version": str(command_id),
    }
    if guild_id is not None:
        payload["guild_id"] = str(guild_id)
    return payload


def scheduled_event(event_id: int, guild_id: int, creator: Json, body: Mapping[str, Any]) -> Json:
    return {
        "channel_id": None,
        "description": None,
        "scheduled_end_time": None,
        "entity_id": None,
        "entity_metadata": None,
        "image": None,
        "privacy_level": 2,
        "status": 1,
        "user_count": 0,
        **body,
        "id": str(event_id),
        "guild_id": str(guild_id),
        "creator_id": creator["id"],
        "creator": dict(creator),
    }


def interaction(
    *,
    interaction_id: int,
    token: str,
    application_id: int,
    kind: int,
    data: Json,
    channel: Json,
    invoker: Json,
    guild_id: int | None,
    app_permissions: int,
    message: Json | None = None,
    locale: str = "en-US",
) -> Json:
    """An INTERACTION_CREATE payload. In a guild ``invoker`` is a member (with ``permissions``),
    in a DM it is a user. ``attachment_size_limit`` is required by discord.py."""
    payload: Json = {
        "id": str(interaction_id),
        "application_id": str(application_id),
        "type": kind,
        "data": data,
        "token": token,
        "version": 1,
        "channel": dict(channel),
        "channel_id": channel["id"],
        "app_permissions": str(app_permissions),
        "locale": locale,
        "entitlements": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    }
    if guild_id is None:
        payload["user"] = invoker
        payload["context"] = 1
        payload["authorizing_integration_owners"] = {"0": invoker["id"]}
    else:
        payload["member"] = invoker
        payload["guild_id"] = str(guild_id)
        payload["guild"] = {"id": str(guild_id), "locale": "en-US", "features": []}
        payload["guild_locale"] = "en-US"
        payload["context"] = 0
        payload["authorizing_integration_owners"] = {"0": str(guild_id)}
    if message is not None:
        payload["message"] = message
    return payload


def error(code: int, message: str) -> Json:
    """Discord's error body: a JSON code (see "JSON Error Codes") and a message."""
    return {"code": code, "message": message}
