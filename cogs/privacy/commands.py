"""/privacy: what the bot keeps, a copy of everything about you, and deleting it."""

from __future__ import annotations

import json
import logging
from typing import ClassVar

from bot.clock import to_db
from bot.cog import Cog
from bot.commands import ActionEvent, Context, Role, action, command
from bot.kernel import Kernel
from bot.privacy import DataStatement, move_rows
from bot.replies import ActionRef, Attachment, Button, ButtonStyle, Card, CardField, Reply
from bot.storage import Transaction

DELETE_PURPOSE = "privacy-delete"
CONFIRM_DELETE = "privacy.delete.confirm"
CANCEL_DELETE = "privacy.delete.cancel"
#: Areas of the policy on one card: a card reads well, and several fit one Discord message.
AREAS_PER_CARD = 5

log = logging.getLogger(__name__)


class PrivacyCog(Cog):
    name: ClassVar[str] = "privacy"
    title: ClassVar[str] = "Your privacy"

    def __init__(self, kernel: Kernel) -> None:
        super().__init__(kernel)
        kernel.privacy.register(
            "delivery",
            DataStatement(
                area="Messages to you",
                what="private messages the bot is about to send you, which of your actions "
                "sent private messages to several people (so you can be told who could not be "
                "reached), and one-time confirmation codes for buttons like this one",
                why="so a message is never lost or sent twice, even across a restart",
                kept_for=f"{kernel.settings.retention.outbox_days} days after sending; codes "
                f"expire after {kernel.settings.retention.confirmation_minutes} minutes and are "
                "removed within the hour",
            ),
            self._export,
            self._delete,
            self._move,
        )

    async def start(self) -> None:
        settings = self.kernel.settings
        on_a_platform = settings.discord.enabled or settings.matrix.enabled
        if on_a_platform and not settings.privacy.named:
            log.warning(
                "[privacy] operator and contact are not set, so /privacy policy cannot say who "
                "runs this peerbot or how to reach them; set both in the configuration"
            )

    @staticmethod
    def _split(user_key: str) -> tuple[str, str]:
        platform, _, user_id = user_key.partition(":")
        return platform, user_id

    async def _export(self, tx: Transaction, user_key: str) -> object:
        rows = []
        for identity in self.kernel.people.identities(user_key):  # each linked account
            platform, user_id = self._split(identity)
            rows += await tx.fetch_all(
                """SELECT key, status, due_at, message_json FROM outbox
                   WHERE target_kind = 'user' AND platform = ? AND target_id = ? ORDER BY id""",
                (platform, user_id),
            )
        groups = []
        for identity in self.kernel.people.identities(user_key):
            groups += await tx.fetch_all(
                """SELECT key, about, created_at, summarised_at FROM outbox_fanouts
                   WHERE sender_key = ? ORDER BY id""",
                (identity,),
            )
        codes = await tx.fetch_all(
            "SELECT purpose, created_at, expires_at FROM confirmations WHERE user_key = ?",
            (user_key,),
        )
        return {
            "confirmation_codes": [
                {
                    "purpose": c["purpose"],
                    "created_at": c["created_at"],
                    "expires_at": c["expires_at"],
                }
                for c in codes
            ],
            "group_messages_you_caused": [
                {
                    "key": g["key"],
                    "about": g["about"],
                    "created_at": g["created_at"],
                    "all_finished_at": g["summarised_at"],
                }
                for g in groups
            ],
            "private_messages": [
                {
                    "key": r["key"],
                    "status": r["status"],
                    "due_at": r["due_at"],
                    "message": json.loads(r["message_json"]),
                }
                for r in rows
            ],
        }

    async def _move(self, tx: Transaction, old_key: str, new_key: str) -> int:
        # Messages waiting for the other account still go to it; open confirmations move.
        return await move_rows(tx, "confirmations", "user_key", old_key, new_key)

    async def _delete(self, tx: Transaction, user_key: str) -> int:
        removed = 0
        for identity in self.kernel.people.identities(user_key):  # each linked account
            platform, user_id = self._split(identity)
            removed += await tx.execute(
                "DELETE FROM outbox WHERE target_kind = 'user' AND platform = ? AND target_id = ?",
                (platform, user_id),
            )
            # Who was in a group message (and so whether they were reached), and the groups
            # they sent, whose summary would name the others.
            removed += await tx.execute(
                "DELETE FROM outbox_fanout_rows WHERE recipient_key = ?", (identity,)
            )
            removed += await tx.execute(
                "DELETE FROM outbox_fanouts WHERE sender_key = ?", (identity,)
            )
        return removed + await tx.execute(
            "DELETE FROM confirmations WHERE user_key = ?", (user_key,)
        )

    @command("privacy policy", "What peerbot keeps about you, and for how long", role=Role.EVERYONE)
    async def policy(self, ctx: Context) -> Reply:
        statements = self.kernel.privacy.statements
        intro = (
            "peerbot keeps as little as it can. It never keeps the text of messages in its "
            "logs, and it never needs anything that could identify a person you support."
        )
        how = (
            "Type /privacy export for a copy of everything about you, "
            "or /privacy delete to delete it."
        )
        who = self._who_runs_it()
        lines = [intro, "", who, ""]
        for s in statements:
            lines.append(f"{s.area}: {s.what}. Why: {s.why}. Kept: {s.kept_for}.")
        lines += ["", how]
        # The cards say all the text does (on Discord only the cards show): the first says
        # what to do and who runs it; the areas follow, a few to a card, so each card reads
        # well and a long policy arrives whole over several messages.
        first = Card(
            title="What peerbot keeps about you",
            description=f"{intro}\n\n{how}",
            fields=[CardField(name="Who runs this peerbot", value=who)],
        )
        areas = [
            CardField(name=s.area, value=f"{s.what}. Why: {s.why}. Kept: {s.kept_for}.")
            for s in statements
        ]
        groups = [areas[i : i + AREAS_PER_CARD] for i in range(0, len(areas), AREAS_PER_CARD)]
        rest = [
            Card(title=f"What peerbot keeps ({n} of {len(groups)})", fields=group)
            for n, group in enumerate(groups, start=1)
        ]
        return Reply(text="\n".join(lines), cards=[first, *rest], private=True)

    def _who_runs_it(self) -> str:
        """Who holds this information and how to reach them, or plainly that it is not set."""
        settings = self.kernel.settings.privacy
        if settings.operator is None or settings.contact is None:
            return (
                "Who runs this peerbot has not been filled in yet (its admins set it under "
                "[privacy] in the configuration). Until then, ask your network's coordinator "
                "who holds this information."
            )
        return (
            f"This peerbot is run by {settings.operator}. To ask about your information, have "
            f"it corrected, or complain, contact {settings.contact}. If you are not satisfied "
            "with the answer, you can complain to the Office of the Australian Information "
            "Commissioner (OAIC): https://www.oaic.gov.au."
        )

    @command("privacy export", "A file with everything peerbot holds about you", role=Role.EVERYONE)
    async def export(self, ctx: Context) -> Reply:
        data = await self.kernel.privacy.export(self.kernel.db, ctx.user.key)
        document = {"person": ctx.user.key, "exported_at": to_db(ctx.now), "data": data}
        content = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True)
        stamp = ctx.now.strftime("%Y%m%d-%H%M%S")
        return Reply(
            text="Here is everything peerbot holds about you, as a JSON file. Only you can see it.",
            attachments=[
                Attachment.from_bytes(
                    f"peerbot-export-{stamp}.json",
                    content.encode("utf-8"),
                    "application/json",
                    "Your peerbot data export",
                )
            ],
            private=True,
        )

    @command("privacy delete", "Delete everything peerbot holds about you", role=Role.EVERYONE)
    async def delete(self, ctx: Context) -> Reply:
        token = await self.kernel.confirmations.create(ctx.user.key, DELETE_PURPOSE)
        minutes = self.kernel.settings.retention.confirmation_minutes
        areas = ", ".join(s.area.lower() for s in self.kernel.privacy.statements)
        return Reply(
            text=(
                f"This deletes everything peerbot holds about you ({areas}), and cannot be "
                "undone. You would need to join your networks again. "
                f"Press the button within {minutes} minutes to confirm."
            ),
            buttons=[
                Button(
                    label="Delete my data",
                    action=ActionRef(action=CONFIRM_DELETE, payload=token),
                    style=ButtonStyle.DANGER,
                ),
                Button(label="Keep my data", action=ActionRef(action=CANCEL_DELETE, payload=token)),
            ],
            private=True,
        )

    @action(CONFIRM_DELETE)
    async def confirm_delete(self, ctx: Context, event: ActionEvent) -> Reply:
        async with self.kernel.db.transaction() as tx:
            confirmed = await self.kernel.confirmations.consume_in(
                tx, ctx.user.key, DELETE_PURPOSE, event.payload
            )
            counts = await self.kernel.privacy.delete_in(tx, ctx.user.key) if confirmed else {}
        await self.kernel.people.load()  # linked accounts were deleted too
        # Committed: now what lives on the platforms (network roles) follows.
        notes = await self.kernel.events.person_deleted(ctx.user.key) if confirmed else ""
        if not confirmed:
            return Reply.private_text(
                "That confirmation has expired or was already used, so nothing was deleted. "
                "Type /privacy delete to start again."
            )
        total = sum(counts.values())
        return Reply.private_text(
            f"Done. peerbot deleted everything it held about you ({total} records)." + notes
        )

    @action(CANCEL_DELETE)
    async def cancel_delete(self, ctx: Context, event: ActionEvent) -> Reply:
        await self.kernel.confirmations.consume(ctx.user.key, DELETE_PURPOSE, event.payload)
        return Reply.private_text("Nothing was deleted.")
