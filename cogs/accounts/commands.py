"""/link: join two accounts of one person, started on one platform and confirmed on the other.

The account that runs ``/link start`` stays the person's main account: private messages go
there, and the other account's data (memberships, RSVPs, notes, check-ins) moves onto it when
the link is confirmed, in one transaction with the link itself.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from bot.clock import to_db
from bot.cog import Cog
from bot.commands import Context, Option, Role, command
from bot.errors import UserError
from bot.identity import user_from_key
from bot.kernel import Kernel
from bot.people import CODE_TTL
from bot.privacy import DataStatement
from bot.replies import Reply
from bot.storage import Transaction

PLATFORM_NAMES = {"discord": "Discord", "matrix": "Matrix", "console": "the console"}


def describe(user_key: str) -> str:
    """An account in words: ``Discord (123...)``, ``Matrix (@sam:example.org)``."""
    platform, _, user_id = user_key.partition(":")
    return f"{PLATFORM_NAMES.get(platform, platform)} ({user_id})"


class AccountsCog(Cog):
    name: ClassVar[str] = "accounts"
    title: ClassVar[str] = "Linked accounts"

    def __init__(self, kernel: Kernel) -> None:
        super().__init__(kernel)
        kernel.privacy.register(
            self.name,
            DataStatement(
                area="Linked accounts",
                what="which of your accounts on different platforms you linked, and when",
                why="so you are one person to peerbot on Discord and on Matrix",
                kept_for="until you unlink them or delete your data",
            ),
            self._export,
            self._delete,
            self._move,
        )

    async def _export(self, tx: Transaction, user_key: str) -> Any:
        rows = await tx.fetch_all(
            "SELECT alias_key, linked_at FROM person_links WHERE person_key = ? ORDER BY alias_key",
            (user_key,),
        )
        if not rows:
            return None
        return {
            "main_account": user_key,
            "linked_accounts": [
                {"account": str(r["alias_key"]), "linked_at": str(r["linked_at"])} for r in rows
            ],
        }

    async def _delete(self, tx: Transaction, user_key: str) -> int:
        return await self.kernel.people.forget_person_in(tx, user_key)

    async def _move(self, tx: Transaction, old_key: str, new_key: str) -> int:
        # The account being linked has no links of its own (checked first); drop its codes.
        return await tx.execute("DELETE FROM link_codes WHERE person_key = ?", (old_key,))

    @command(
        "link start",
        "Link this account with your account on another platform: gives a code",
        role=Role.EVERYONE,
    )
    async def start_link(self, ctx: Context) -> Reply:
        if ctx.via is not None:
            raise UserError(
                f"This account is linked already, to {describe(ctx.user.key)}. Run /link start "
                "from that account to link another one. Nothing was changed."
            )
        code = await self.kernel.people.new_code(ctx.user.key)
        minutes = int(CODE_TTL.total_seconds() // 60)
        return Reply.private_text(
            f"Your linking code is {code[:4]}-{code[4:]} (it works once, for {minutes} "
            "minutes). On your other platform, type:\n"
            f"/link confirm code:{code}   (on Matrix: !link confirm code:{code})\n"
            "Once linked, peerbot treats both accounts as you: your networks, roles, meeting "
            "answers, notes and check-ins become one, kept under this account, and private "
            "messages come here. Keep the code to yourself: you will be told here when it is "
            "used."
        )

    @command(
        "link confirm",
        "Confirm a link with the code from your other account",
        role=Role.EVERYONE,
    )
    async def confirm(
        self,
        ctx: Context,
        code: Annotated[
            str, Option("The code /link start gave you on your other account", max_length=20)
        ],
    ) -> Reply:
        alias = ctx.here.key
        people = self.kernel.people
        await people.check_code(code, alias)  # a clear message, before anything is written
        async with self.kernel.db.transaction() as tx:
            person = await people.link_in(tx, code, alias)
            moved = await self.kernel.privacy.move_in(tx, alias, person)
            # The main account hears of every link, so a code used by someone else is noticed.
            await self.kernel.outbox.enqueue(
                tx,
                key=f"accounts:linked:{alias}:{to_db(ctx.now)}",
                target=user_from_key(person),
                message=Reply.private_text(
                    f"Your peerbot account was just linked with {describe(alias)}. If that was "
                    "not you, run /link remove here at once and tell an admin."
                ),
            )
            await self.kernel.audit.record(
                tx,
                actor_key=person,
                action="accounts.link",
                network_id=None,
                detail=alias.partition(":")[0],
            )
        people.linked(alias, person)
        self.kernel.outbox.notify()
        total = sum(moved.values())
        return Reply.private_text(
            f"Linked: this account and {describe(person)} are now one person to peerbot. "
            f"{total} records from this account moved to your main account "
            f"({describe(person)}), where private messages now go. "
            "Undo with /link remove (what moved stays with your main account)."
        )

    @command("link list", "The accounts linked to you", role=Role.EVERYONE)
    async def list_links(self, ctx: Context) -> Reply:
        identities = self.kernel.people.identities(ctx.user.key)
        if len(identities) == 1:
            return Reply.private_text(
                "No other account is linked to this one. To link your Discord and Matrix "
                "accounts, run /link start on one and /link confirm on the other."
            )
        lines = [f"Main account: {describe(identities[0])} (private messages go here)"]
        lines += [f"Linked: {describe(key)}" for key in identities[1:]]
        return Reply.private_text("\n".join(lines))

    @command(
        "link remove",
        "Unlink this account (or, from your main account, the one linked to it)",
        role=Role.EVERYONE,
    )
    async def remove(
        self,
        ctx: Context,
        account: Annotated[
            str | None,
            Option(
                "From your main account: which linked account, as shown by /link list",
                max_length=200,
            ),
        ] = None,
    ) -> Reply:
        people = self.kernel.people
        aliases = people.identities(ctx.user.key)[1:]
        if ctx.via is not None:
            target = ctx.via.key
        elif not aliases:
            raise UserError("No other account is linked to this one. Nothing was changed.")
        elif account is None and len(aliases) == 1:
            target = aliases[0]
        else:
            wanted = (account or "").strip()
            matches = [a for a in aliases if wanted and (a == wanted or a.endswith(":" + wanted))]
            if len(matches) != 1:
                listed = ", ".join(a.partition(":")[2] for a in aliases)
                raise UserError(
                    f"Say which account to unlink with account:, one of: {listed}. "
                    "Nothing was changed."
                )
            target = matches[0]
        async with self.kernel.db.transaction() as tx:
            await people.unlink_in(tx, target)
            await self.kernel.audit.record(
                tx,
                actor_key=ctx.user.key,
                action="accounts.unlink",
                network_id=None,
                detail=target.partition(":")[0],
            )
        people.unlinked(target)
        return Reply.private_text(
            f"Unlinked {describe(target)}. It is a separate account to peerbot again, starting "
            f"afresh; what it brought when linked stays with {describe(ctx.user.key)}."
        )
