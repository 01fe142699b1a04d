"""One person, several platform identities.

A person who uses two platforms links their identities: ``/link start`` on one gives a short
code, ``/link confirm`` on the other uses it. The identity that started is the *person key*;
every cog stores data under it, so the registry hands cogs the person key whatever platform
the person writes from, and the privacy hooks move the other identity's data onto it at
linking time. Links are few and read on every command, so they are held in memory too; the
database is the truth and the cache is rebuilt from it at start.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from bot.clock import Clock, to_db
from bot.errors import UserError
from bot.identity import UserRef, user_from_key
from bot.storage import Database, Transaction

#: Letters and digits that cannot be mistaken for each other (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
CODE_TTL = timedelta(minutes=15)


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def parse_people(text: str, platform: str) -> list[str]:
    """People typed as ids or mentions (Discord ``<@123>``, Matrix ``@name:server``, stored
    keys ``platform:id``), separated by commas or spaces, as keys; repeats dropped."""
    keys: list[str] = []
    for token in re.split(r"[,\s]+", text.strip()):
        cleaned = token.removeprefix("<@").removeprefix("!").removesuffix(">").strip()
        if not cleaned:
            continue
        # A Matrix id (@name:server) has a colon of its own, so it is never a stored key.
        keyed = ":" in cleaned and not cleaned.startswith("@")
        found = cleaned if keyed else f"{platform}:{cleaned}"
        if found not in keys:
            keys.append(found)
    return keys


def normalise_code(text: str) -> str:
    """What a person types, tolerantly: case, spaces and dashes do not matter."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


class People:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._person_of: dict[str, str] = {}

    async def load(self) -> None:
        """Fill the cache from the database (at start, after migrations)."""
        rows = await self.db.fetch_all("SELECT alias_key, person_key FROM person_links")
        self._person_of = {str(r["alias_key"]): str(r["person_key"]) for r in rows}

    # ---- reading ----------------------------------------------------------------------------

    def person_of(self, user_key: str) -> str:
        """The person key for any identity (itself when it is not linked)."""
        return self._person_of.get(user_key, user_key)

    def person(self, user: UserRef) -> UserRef:
        """The person an identity belongs to, as a reference (names kept when unlinked)."""
        key = self.person_of(user.key)
        return user if key == user.key else user_from_key(key)

    def persons_typed(self, text: str, platform: str) -> list[str]:
        """The person keys of people typed on ``platform`` (see ``parse_people``)."""
        return [self.person_of(key) for key in parse_people(text, platform)]

    def identities(self, person_key: str) -> list[str]:
        """Every identity of the person, the person key first."""
        person = self.person_of(person_key)
        aliases = sorted(a for a, p in self._person_of.items() if p == person)
        return [person, *aliases]

    def on_platform(self, person_key: str, platform: str) -> UserRef | None:
        """The person's identity on ``platform``, to act there (add to a thread, give a role)."""
        for key in self.identities(person_key):
            if key.partition(":")[0] == platform:
                return user_from_key(key)
        return None

    # ---- linking ----------------------------------------------------------------------------

    async def new_code(self, person_key: str) -> str:
        """A fresh one-time code for ``person_key``; earlier unused codes stop working."""
        person = self.person_of(person_key)
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        now = self.clock.now()
        async with self.db.transaction() as tx:
            await tx.execute("DELETE FROM link_codes WHERE person_key = ?", (person,))
            await tx.execute(
                """INSERT INTO link_codes (code_hash, person_key, created_at, expires_at)
                   VALUES (?, ?, ?, ?)""",
                (_hash(code), person, to_db(now), to_db(now + CODE_TTL)),
            )
        return code

    async def check_code(self, code: str, alias_key: str) -> str:
        """The person key a code belongs to, if ``alias_key`` may be linked to it; else a
        UserError that says why. Changes nothing."""
        async with self.db.reading() as tx:
            return await self._check(tx, code, alias_key)

    async def _check(self, tx: Transaction, code: str, alias_key: str) -> str:
        row = await tx.fetch_one(
            "SELECT person_key FROM link_codes WHERE code_hash = ? AND expires_at > ?",
            (_hash(normalise_code(code)), to_db(self.clock.now())),
        )
        if row is None:
            raise UserError(
                "That code is not valid: it may be mistyped, used already, or older than 15 "
                "minutes. Run /link start again on your other account for a new one. "
                "Nothing was changed."
            )
        person = str(row["person_key"])
        if self.person_of(alias_key) == person:
            raise UserError("These two accounts are already linked. Nothing was changed.")
        if alias_key.partition(":")[0] == person.partition(":")[0]:
            raise UserError(
                "Confirm the code from your account on the other platform (for example start "
                "on Discord and confirm on Matrix). Two accounts on one platform cannot be "
                "linked. Nothing was changed."
            )
        platform = alias_key.partition(":")[0]
        already = [k for k in self.identities(person) if k.partition(":")[0] == platform]
        if already:
            raise UserError(
                f"Your main account already has a linked {platform} account ({already[0]}). "
                "Unlink that one first with /link remove. Nothing was changed."
            )
        if self.identities(alias_key) != [alias_key]:
            raise UserError(
                "This account is already linked to another one. Unlink it first with "
                "/link remove. Nothing was changed."
            )
        return person

    async def link_in(self, tx: Transaction, code: str, alias_key: str) -> str:
        """Inside the caller's transaction (which also moves the data): use the code and
        record the link. Returns the person key."""
        person = await self._check(tx, code, alias_key)
        await tx.execute(
            "DELETE FROM link_codes WHERE code_hash = ?", (_hash(normalise_code(code)),)
        )
        await tx.execute(
            "INSERT INTO person_links (alias_key, person_key, linked_at) VALUES (?, ?, ?)",
            (alias_key, person, to_db(self.clock.now())),
        )
        return person

    def linked(self, alias_key: str, person_key: str) -> None:
        """Update the cache once the linking transaction has committed."""
        self._person_of[alias_key] = person_key

    async def unlink_in(self, tx: Transaction, alias_key: str) -> bool:
        changed = await tx.execute("DELETE FROM person_links WHERE alias_key = ?", (alias_key,))
        return changed == 1

    def unlinked(self, alias_key: str) -> None:
        self._person_of.pop(alias_key, None)

    async def forget_person_in(self, tx: Transaction, person_key: str) -> int:
        """For /privacy delete: drop the person's links and codes (the cache follows on
        ``load``)."""
        person = self.person_of(person_key)
        links = await tx.execute("DELETE FROM person_links WHERE person_key = ?", (person,))
        codes = await tx.execute("DELETE FROM link_codes WHERE person_key = ?", (person,))
        return links + codes

    async def purge_expired(self) -> int:
        async with self.db.transaction() as tx:
            return await tx.execute(
                "DELETE FROM link_codes WHERE expires_at <= ?", (to_db(self.clock.now()),)
            )
