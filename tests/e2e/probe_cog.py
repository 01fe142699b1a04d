"""A cog for end-to-end tests: a form, a crash, a slow handler, a thread and an echo of typed
text, which the real cogs do not offer yet."""

from __future__ import annotations

import asyncio
from typing import Annotated, ClassVar

from bot.cog import Cog
from bot.commands import ActionEvent, Context, Option, Role, action, command
from bot.kernel import Kernel
from bot.replies import ActionRef, Choice, Form, FormField, Reply, Select


class ProbeCog(Cog):
    name: ClassVar[str] = "probe"
    title: ClassVar[str] = "Probe"
    release: ClassVar[asyncio.Event | None] = None

    @command("probe form", "Open a form", role=Role.EVERYONE)
    async def form(self, ctx: Context) -> Reply:
        return Reply(
            text="Fill in the form.",
            form=Form(
                title="A note",
                action=ActionRef(action="probe.save", payload="42"),
                fields=[
                    FormField(name="title", label="Title", max_length=50),
                    FormField(name="body", label="Body", long=True, required=False),
                ],
            ),
            private=True,
        )

    @action("probe.save")
    async def save(self, ctx: Context, event: ActionEvent) -> Reply:
        return Reply.private_text(f"Saved '{event.fields['title']}' for {event.payload}.")

    @command("probe pick", "Pick from a menu", role=Role.EVERYONE)
    async def pick(self, ctx: Context) -> Reply:
        topics = ["disclosure", "boundaries", "role drift", "grief or activation", "working solo"]
        return Reply(
            text="Pick a topic.",
            select=Select(
                placeholder="Topic",
                action=ActionRef(action="probe.picked", payload="7"),
                choices=[Choice(label=t.capitalize(), value=t) for t in topics],
            ),
            private=True,
        )

    @action("probe.picked")
    async def picked(self, ctx: Context, event: ActionEvent) -> Reply:
        return Reply.private_text(f"You picked {', '.join(event.selected)} ({event.payload}).")

    @command("probe crash", "Fail on purpose", role=Role.EVERYONE)
    async def crash(self, ctx: Context) -> Reply:
        words = "secret" + " text"  # what a person typed, say
        raise RuntimeError(f"a bug that quotes {words}")

    @command("probe slow", "Take a while", role=Role.EVERYONE)
    async def slow(self, ctx: Context) -> Reply:
        assert ProbeCog.release is not None
        await ProbeCog.release.wait()
        return Reply.private_text("Finally done.")

    @command("probe say", "Say back what you typed, in public and at length", role=Role.EVERYONE)
    async def say(
        self, ctx: Context, text: Annotated[str, Option("What to say", max_length=1000)]
    ) -> Reply:
        """Typed text in a public reply long enough to need a follow-up, with the text in both
        parts: what a person types must not ping anyone in either."""
        filler = "\n\n".join(["A paragraph that only makes the reply long."] * 50)
        return Reply(text=f"You said: {text}\n\n{filler}\n\nOnce more: {text}")

    @command("probe thread", "Open a private thread here", role=Role.EVERYONE)
    async def thread(self, ctx: Context) -> Reply:
        assert ctx.place is not None
        place = await self.kernel.ports[ctx.platform].open_private_thread(ctx.place, "Reflection")
        return Reply.private_text(f"Opened {place.name}.")

    @command("probeadmin", "An admin-only command", role=Role.ADMIN)
    async def admin_only(self, ctx: Context) -> Reply:
        return Reply.private_text("Only admins see this.")


def setup(kernel: Kernel) -> ProbeCog:
    return ProbeCog(kernel)
