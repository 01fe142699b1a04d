"""The console adapter: the same path a user takes, from typed lines to printed replies."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any, ClassVar

import pytest

from bot.app import App
from bot.clock import FakeClock
from bot.cog import Cog
from bot.commands import ActionEvent, Context, Option, Role, action, command
from bot.errors import UserError
from bot.identity import UserRef
from bot.kernel import Kernel
from bot.platforms.console import ConsoleAdapter, parse_command_line
from bot.replies import ActionRef, Button, Form, FormField, Reply
from config.settings import load_settings


class FormCog(Cog):
    """A cog with a form, so form filling can be tested before any feature uses one."""

    name: ClassVar[str] = "formtest"
    title: ClassVar[str] = "Form test"
    received: ClassVar[list[dict[str, str]]] = []

    @command("note write", "Write a note", role=Role.EVERYONE)
    async def write(self, ctx: Context) -> Reply:
        return Reply(
            text="Fill this in.",
            form=Form(
                title="A note",
                action=ActionRef(action="formtest.save", payload="7"),
                fields=[
                    FormField(name="title", label="Title", max_length=10),
                    FormField(name="body", label="Body", long=True, required=False),
                ],
            ),
            private=True,
        )

    @action("formtest.save")
    async def save(self, ctx: Context, event: ActionEvent) -> Reply:
        FormCog.received.append({"payload": event.payload, **event.fields})
        return Reply.private_text(f"Saved '{event.fields['title']}'.")

    @action("formtest.ping")
    async def ping(self, ctx: Context, event: ActionEvent) -> Reply:
        return Reply.private_text(f"pong {event.payload} for {ctx.user.id}")

    @command("count", "Count to a number", role=Role.EVERYONE)
    async def count(
        self, ctx: Context, to: Annotated[int, Option("How far", min=1, max=5)]
    ) -> Reply:
        return Reply(text=" ".join(str(i) for i in range(1, to + 1)))


@pytest.fixture
async def kernel(tmp_path: Path) -> AsyncIterator[Kernel]:
    settings = load_settings(
        None, environ={"PEERBOT_DATA_DIR": str(tmp_path), "PEERBOT_ADMINS": "console:you"}
    )
    app = App(settings, clock=FakeClock())
    started = await app.start_without_worker()
    FormCog.received = []
    started.registry.add_cog(FormCog(started))
    yield started
    await app.stop()


async def run_script(kernel: Kernel, script: str, user: str = "you") -> str:
    out = io.StringIO()
    console = ConsoleAdapter(
        kernel, stdin=io.StringIO(script), stdout=out, interactive=False, user_name=user
    )
    await console.run()
    return out.getvalue()


async def test_support_lists_000_then_lifeline(kernel: Kernel) -> None:
    output = await run_script(kernel, "/support\n")
    assert "> /support" in output
    assert output.index("000") < output.index("Lifeline") < output.index("13 11 14")
    assert "nobody watches it around the clock" in output


@pytest.mark.parametrize(
    ("typed", "line"),
    [
        ("wa", "Mental Health Emergency Response Line (Perth): call 1300 555 788."),
        (
            '"Western Australia"',
            "Mental Health Emergency Response Line (Perth): call 1300 555 788.",
        ),
        ("vic", "SuicideLine Victoria: call 1300 651 251."),
        ("QLD", "1300 MH CALL (Queensland): call 1300 642 255."),
        ("nsw", "NSW Mental Health Line: call 1800 011 511."),
        ("SA", "Mental Health Triage Service (South Australia): call 13 14 65."),
        ("tasmania", "Access Mental Health (Tasmania): call 1800 332 388."),
        ("act", "Access Mental Health (ACT): call 1800 629 354."),
        ("NT", "NT Mental Health Line: call 1800 682 288."),
    ],
)
async def test_support_filters_by_every_state_on_the_console(
    kernel: Kernel, typed: str, line: str
) -> None:
    output = await run_script(kernel, f"/support filter:{typed}\n")
    flat = " ".join(output.split())  # the console wraps long lines
    assert line in flat
    assert flat.index("call 000") < flat.index(line) < flat.index("Lifeline: call 13 11 14")


async def test_an_unknown_support_filter_lists_the_allowed_values(kernel: Kernel) -> None:
    output = await run_script(kernel, "/support filter:perth\n")
    flat = " ".join(output.split())
    assert (
        "The option 'filter' must be one of: all, nsw, vic, qld, wa, sa, tas, act, nt, "
        "first-nations, lgbtiq; you gave 'perth'. Nothing was changed." in flat
    )


async def test_help_lists_the_commands_the_caller_may_use(kernel: Kernel) -> None:
    as_admin = await run_script(kernel, "/help\n")
    as_someone = await run_script(kernel, "/help\n", user="sam")
    assert "/network create" in as_admin
    assert "/network create" not in as_someone
    for line in ("/support", "/help", "/privacy export", "/network join"):
        assert line in as_someone


async def test_options_and_quotes(kernel: Kernel) -> None:
    output = await run_script(
        kernel,
        '/network create name:"South Coast Peer Network" slug:south-coast\n/network list\n',
    )
    assert "Created the network South Coast Peer Network (south-coast)" in output
    assert "South Coast Peer Network (south-coast): 0 members" in output


async def test_bad_argument_is_explained_and_changes_nothing(kernel: Kernel) -> None:
    output = await run_script(kernel, "/count to:nine\n/count to:9\n/count to:3\n")
    assert "The option 'to' must be a whole number from 1 to 5; you gave 'nine'." in output
    assert "you gave '9'" in output
    assert "1 2 3" in output


async def test_unknown_command_and_typos(kernel: Kernel) -> None:
    output = await run_script(kernel, '/frobnicate\n/support nsw\n/support filter:"nsw\nhello\n')
    assert "There is no command /frobnicate. Type /help" in output
    assert "Give options as name:value" in output
    assert "Check the quotes" in output
    assert "Commands start with a slash" in output


async def test_buttons_are_numbered_and_pressed_by_number(kernel: Kernel) -> None:
    output = await run_script(
        kernel,
        '/network create name:"Coast" slug:coast\n/as sam member network:coast\n'
        "/network mine\n/privacy delete\n2\n/privacy delete\n1\n3\n",
    )
    assert "[1] Delete my data" in output and "[2] Keep my data" in output
    assert "Nothing was deleted." in output
    assert "Done. peerbot deleted everything it held about you" in output
    assert "There is nothing with that number to choose right now." in output
    role = await kernel.registry.directory.role_of("console:sam", None)
    assert role is Role.EVERYONE


async def test_forms_are_filled_field_by_field(kernel: Kernel) -> None:
    output = await run_script(kernel, "/note write\n\nthis title is far too long\nShort\n\n")
    assert "Title is required." in output
    assert "That is too long for Title: it fits 10 characters and you typed 26." in output
    assert "Saved 'Short'." in output
    assert FormCog.received == [{"payload": "7", "title": "Short", "body": ""}]


async def test_end_of_input_in_a_form_cancels_it(kernel: Kernel) -> None:
    output = await run_script(kernel, "/note write\n")
    assert "Cancelled. Nothing was sent." in output
    assert FormCog.received == []


async def test_switching_user_and_role(kernel: Kernel) -> None:
    output = await run_script(
        kernel,
        '/network create name:"Coast" slug:coast\n'
        "/as alex coordinator\n/network mine\n/as alex boss\n/as robin\n/network mine\n",
    )
    assert "You are now alex, coordinator in Coast." in output
    assert "- Coast (coast): coordinator" in output
    assert "'boss' is not a role" in output
    assert "You are now robin." in output
    assert "You are not in any network yet" in output


async def test_export_is_saved_as_a_file(kernel: Kernel, tmp_path: Path) -> None:
    output = await run_script(
        kernel,
        '/network create name:"Coast" slug:coast\n/network join network:coast\n/privacy export\n',
    )
    saved = sorted((tmp_path / "exports").glob("peerbot-export-*.json"))
    assert len(saved) == 1
    assert str(saved[0]) in output
    data: dict[str, Any] = json.loads(saved[0].read_text())
    assert data["person"] == "console:you"
    assert data["data"]["networks"]["memberships"][0]["network_slug"] == "coast"


async def test_comments_blank_lines_and_quit(kernel: Kernel) -> None:
    output = await run_script(kernel, "# a comment\n\n/quit\n/support\n")
    assert "000" not in output


def test_parse_command_line() -> None:
    assert parse_command_line('/meeting schedule title:"A B" time:18:30') == (
        ["meeting", "schedule"],
        {"title": "A B", "time": "18:30"},
    )
    with pytest.raises(UserError, match="given twice"):
        parse_command_line("/support filter:nsw filter:all")


async def test_an_old_button_cannot_be_pressed_after_another_reply(kernel: Kernel) -> None:
    output = await run_script(kernel, "/privacy delete\n/help\n1\n")
    assert "There is nothing with that number to choose right now." in output
    assert "Done. peerbot deleted" not in output


def private_offer(to: str) -> Reply:
    """A private message with one button."""
    return Reply(
        text=f"A message for {to}.",
        private=True,
        buttons=[Button(label="Ping", action=ActionRef(action="formtest.ping", payload="9"))],
    )


async def test_a_private_message_to_you_can_be_answered_with_its_number(kernel: Kernel) -> None:
    out = io.StringIO()
    console = ConsoleAdapter(kernel, stdin=io.StringIO(""), stdout=out, interactive=False)
    await console.port.send_private(
        UserRef(platform="console", id="you"), private_offer("you"), idempotency_key="k1"
    )
    await console.handle_line("1")
    assert "pong 9 for you" in out.getvalue()


async def test_someone_elses_private_message_waits_for_them(kernel: Kernel) -> None:
    out = io.StringIO()
    console = ConsoleAdapter(kernel, stdin=io.StringIO(""), stdout=out, interactive=False)
    await console.port.send_private(
        UserRef(platform="console", id="sam"), private_offer("sam"), idempotency_key="k2"
    )
    await console.handle_line("/support")
    with pytest.raises(UserError, match="nothing with that number"):
        await console.handle_line("1")  # not yours: nothing to press
    await console.handle_line("/as sam")
    after = out.getvalue().split("You are now sam.")[-1]
    assert "A message with choices is waiting for your answer" in after
    assert "A message for sam." in after
    await console.handle_line("1")
    assert "pong 9 for sam" in out.getvalue()
    assert console.port.waiting_for("sam") == []
