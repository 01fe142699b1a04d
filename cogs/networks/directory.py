"""The opt-in member directory ("find a peer"): what each person chose to show, and who may
see it.

Nothing is shown for someone without a profile row: being in the directory is a choice made
with /peers profile, and /peers off (or /privacy delete) removes every trace. Each field is
optional; an empty one is not shown. An entry is seen only by people who share an active
network with its owner, and only while they do.

Fields are data (``FIELDS``), stored one row each, so another field needs no migration: one
``ProfileField`` in ``FIELDS`` and one option to /peers profile (see ``cogs/networks/peers.py``).
"Open to mentoring" is only what the person shows here; offering to mentor is /mentor offer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.clock import Clock, to_db
from bot.errors import UserError
from bot.people import People
from bot.privacy import move_rows
from bot.replies import Choice
from bot.storage import Database, Transaction

TEXT = "text"
#: Answered yes or no (stored as "yes" / "no").
YES_NO = "yes-no"
#: One of a fixed list (the sector).
PICK = "pick"
#: What a person types to empty a text field.
CLEAR = "-"


@dataclass(frozen=True)
class ProfileField:
    name: str
    label: str
    kind: str = TEXT
    max_length: int = 80


FIELDS: tuple[ProfileField, ...] = (
    ProfileField("name", "Name", max_length=60),
    ProfileField("title", "Role"),
    ProfileField("service", "Service"),
    ProfileField("sector", "Sector", PICK),
    ProfileField("region", "Region", max_length=60),
    ProfileField("solo", "Works solo", YES_NO),
    ProfileField("topics", "Happy to talk about", max_length=300),
    ProfileField("mentoring", "Open to mentoring", YES_NO),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)
SECTORS = {"public": "public", "community-managed": "community-managed"}
#: How many entries /peers find shows at once.
SHOWN_MAX = 25


@dataclass(frozen=True)
class Profile:
    user_key: str
    values: dict[str, str] = field(default_factory=dict)

    def shown(self) -> list[tuple[str, str]]:
        """(label, value) of each field filled in, in the fields' order."""
        return [(f.label, self.values[f.name]) for f in FIELDS if self.values.get(f.name)]

    def line(self) -> str:
        return "; ".join(f"{label}: {value}" for label, value in self.shown())

    def label(self) -> str:
        """One line to pick the person by: their name, then the rest of what they show."""
        rest = "; ".join(
            f"{label}: {value}" for label, value in self.shown() if label != FIELDS[0].label
        )
        return (self.values.get("name") or "A peer") + (f" ({rest})" if rest else "")

    def matches(self, topic: str, region: str) -> bool:
        return _contains(self.values.get("topics", ""), topic) and _contains(
            self.values.get("region", ""), region
        )


def _contains(value: str, wanted: str) -> bool:
    return not wanted.strip() or wanted.strip().casefold() in value.casefold()


def clean(changes: dict[str, str | None]) -> dict[str, str | None]:
    """The fields to set (a value) or empty (None), checked; unknown names are a bug."""
    cleaned: dict[str, str | None] = {}
    for name, value in changes.items():
        spec = next(f for f in FIELDS if f.name == name)
        if value is None:
            continue
        text = " ".join(value.split())
        if text in (CLEAR, "hide"):
            cleaned[name] = None
            continue
        if spec.kind == YES_NO and text not in ("yes", "no"):
            raise UserError(f"{spec.label} must be yes, no or hide. Nothing was changed.")
        if spec.kind == PICK and text not in SECTORS:
            raise UserError(
                "Sector must be public, community-managed or hide. Nothing was changed."
            )
        if len(text) > spec.max_length:
            raise UserError(
                f"{spec.label} is too long: keep it under {spec.max_length} characters. "
                "Nothing was changed."
            )
        if re.search(r"[\x00-\x1f]", text):
            raise UserError(f"{spec.label} must be one line of text. Nothing was changed.")
        cleaned[name] = text or None
    return cleaned


class PeerDirectory:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def profile(self, user_key: str) -> Profile | None:
        async with self.db.reading() as tx:
            return await _profile(tx, user_key)

    async def save(self, user_key: str, changes: dict[str, str | None]) -> tuple[Profile, bool]:
        """Create or change the person's entry in one transaction; True when it is new."""
        cleaned = clean(changes)
        now = to_db(self.clock.now())
        async with self.db.transaction() as tx:
            new = await tx.execute(
                """INSERT OR IGNORE INTO peer_profiles (user_key, listed_at, updated_at)
                   VALUES (?, ?, ?)""",
                (user_key, now, now),
            )
            await tx.execute(
                "UPDATE peer_profiles SET updated_at = ? WHERE user_key = ?", (now, user_key)
            )
            for name, value in cleaned.items():
                if value is None:
                    await tx.execute(
                        "DELETE FROM peer_profile_fields WHERE user_key = ? AND field = ?",
                        (user_key, name),
                    )
                else:
                    await tx.execute(
                        """INSERT INTO peer_profile_fields (user_key, field, value)
                           VALUES (?, ?, ?) ON CONFLICT (user_key, field)
                           DO UPDATE SET value = excluded.value""",
                        (user_key, name, value),
                    )
            found = await _profile(tx, user_key)
        assert found is not None
        return found, new == 1

    async def remove(self, user_key: str) -> bool:
        async with self.db.transaction() as tx:
            return await delete_profile(tx, user_key) > 0

    async def visible_to(self, viewer_key: str, network_id: int | None = None) -> list[Profile]:
        """The entries the viewer may see: people (not the viewer) in the directory who share
        an active network with them (``network_id``: that one only)."""
        async with self.db.reading() as tx:
            rows = await tx.fetch_all(
                """SELECT DISTINCT p.user_key FROM peer_profiles p
                   JOIN memberships theirs ON theirs.user_key = p.user_key
                   JOIN memberships mine
                        ON mine.network_id = theirs.network_id AND mine.user_key = ?
                   JOIN networks n ON n.id = theirs.network_id AND n.archived_at IS NULL
                   WHERE p.user_key != ? AND (? IS NULL OR theirs.network_id = ?)
                   ORDER BY p.listed_at, p.user_key""",
                (viewer_key, viewer_key, network_id, network_id),
            )
            found = [await _profile(tx, str(r["user_key"])) for r in rows]
        return [p for p in found if p is not None]

    async def choices(
        self, people: People, viewer_key: str, platform: str, network_id: int | None, typed: str
    ) -> list[Choice]:
        """Autocomplete for a list of people typed as ids (/reflect start's peers): the
        directory's entries the viewer may see, each offered as what was typed so far plus
        that person's id on this platform."""
        tokens = [t for t in re.split(r"[,\s]+", typed.strip()) if t]
        ends_open = bool(typed) and not typed[-1].isspace() and not typed.endswith(",")
        partial = tokens.pop().casefold() if tokens and ends_open else ""
        done = ", ".join(tokens)
        offered: list[Choice] = []
        for entry in await self.visible_to(viewer_key, network_id):
            account = people.on_platform(entry.user_key, platform)
            if account is None or account.id in tokens or account.key in tokens:
                continue
            label = entry.label()
            if partial and partial not in label.casefold() and partial not in account.id:
                continue
            value = f"{done}, {account.id}" if done else account.id
            if len(value) <= 100:
                offered.append(Choice(label=label[:100], value=value))
        return offered[:25]


async def _profile(tx: Transaction, user_key: str) -> Profile | None:
    if not await tx.fetch_value("SELECT 1 FROM peer_profiles WHERE user_key = ?", (user_key,)):
        return None
    rows = await tx.fetch_all(
        "SELECT field, value FROM peer_profile_fields WHERE user_key = ?", (user_key,)
    )
    return Profile(user_key, {str(r["field"]): str(r["value"]) for r in rows})


# ---- privacy ------------------------------------------------------------------------------


async def export_profile(tx: Transaction, user_key: str) -> dict[str, Any] | None:
    found = await _profile(tx, user_key)
    if found is None:
        return None
    listed = await tx.fetch_value(
        "SELECT listed_at FROM peer_profiles WHERE user_key = ?", (user_key,)
    )
    return {"listed_at": listed, "fields": dict(found.values)}


async def delete_profile(tx: Transaction, user_key: str) -> int:
    fields = await tx.execute("DELETE FROM peer_profile_fields WHERE user_key = ?", (user_key,))
    return fields + await tx.execute("DELETE FROM peer_profiles WHERE user_key = ?", (user_key,))


async def move_profile(tx: Transaction, old_key: str, new_key: str) -> int:
    """Linking accounts: the main account's entry wins where both have one (its fields move
    with it through ON UPDATE CASCADE; the other's are deleted with it)."""
    return await move_rows(tx, "peer_profiles", "user_key", old_key, new_key)
