"""The README's table of every option is the registry's, so a new or changed option shows."""

from __future__ import annotations

from pydantic import BaseModel

from bot.commands import CommandSpec, OptionKind, OptionSpec, Role
from bot.replies import Choice
from devtools.option_values import README, command_specs, current_block, render


async def test_the_readme_lists_every_option_as_the_commands_define_it() -> None:
    made = render(await command_specs())
    block = current_block(README.read_text(encoding="utf-8"))
    assert block is not None, "the README lost its option-values markers"
    assert block == made, "run: .venv/bin/python -m devtools.option_values --write"


def test_each_option_row_names_its_values() -> None:
    scale = OptionSpec(
        name="scale",
        description="Which scale | kind",
        kind=OptionKind.TEXT,
        required=False,
        choices=(Choice(label="mood", value="mood"), Choice(label="who-5", value="who-5")),
    )
    spec = CommandSpec(
        name="checkin start",
        description="Start check-ins",
        role=Role.EVERYONE,
        handler=None,  # type: ignore[arg-type]
        options=(scale,),
        arguments=BaseModel,
    )
    table = render({"checkin start": spec})
    assert "<summary><code>/checkin</code></summary>" in table
    assert (
        "| `/checkin start` | `scale` | Which scale \\| kind | no | one of: mood, who-5 |" in table
    )
