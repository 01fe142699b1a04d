"""/support and /help: the crisis lines, always one command away, and what the bot can do.

Both replies are private: asking for help is nobody else's business.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import config
from bot.cog import Cog
from bot.commands import CommandSpec, Context, Option, Role, command
from bot.kernel import Kernel
from bot.registry import Registry
from bot.replies import Card, CardField, Reply
from cogs.support.lines import LineFilter, SupportDirectory, SupportLine, load_support_lines

NOT_A_CRISIS_SERVICE = (
    "peerbot is not a crisis service, and nobody watches it around the clock. "
    "If you or someone else is in danger now, call 000."
)
CARD_TITLE = "Crisis and support lines"


def default_data_file() -> Path:
    """``config/support_lines.toml``, wherever the config package is."""
    return Path(next(iter(config.__path__))) / "support_lines.toml"


STATE_HEADING = "Mental health lines by state and territory"
STATE_HINT = (
    "For one state's lines in full: /support filter:wa (or nsw, vic, qld, sa, tas, act, nt)."
)


def support_reply(directory: SupportDirectory, filter: LineFilter | str = LineFilter.ALL) -> Reply:
    """The private /support answer; other cogs (check-ins) can send the same lines."""
    filter = LineFilter(filter)
    lines = directory.lines_for(filter)
    states = directory.state_lines() if filter is LineFilter.ALL else []
    if filter is LineFilter.ALL:
        heading = "Crisis and support lines in Australia:"
    else:
        heading = f"Lines for {filter.audience} first, then 24/7 crisis lines for everyone:"
    text = [NOT_A_CRISIS_SERVICE, "", heading, *(f"- {line.describe()}" for line in lines)]
    if states:
        text += ["", f"{STATE_HEADING}:", *(f"- {line.short()}" for line in states), STATE_HINT]
    checked = directory.last_checked_text(lines + states)
    text += ["", f"{checked}."]
    card = support_card(directory, lines, heading, states)
    return Reply(text="\n".join(text), cards=[card], private=True)


def support_card(
    directory: SupportDirectory,
    lines: list[SupportLine],
    heading: str = "",
    states: list[SupportLine] | None = None,
) -> Card:
    """One card with a field per service, for platforms that show cards (Discord embeds);
    it says all the text does, the heading of a filtered list included. Each field is a few
    short lines, so it reads on a phone; web addresses are links (https://...)."""
    fields = [CardField(name=line.name, value="\n".join(line.card_lines())) for line in lines]
    if states:
        value = "\n".join([*(line.short() for line in states), STATE_HINT])
        fields.append(CardField(name=STATE_HEADING, value=value))
    return Card(
        title=CARD_TITLE,
        description=f"{NOT_A_CRISIS_SERVICE}\n\n{heading}" if heading else NOT_A_CRISIS_SERVICE,
        fields=fields,
        footer=directory.last_checked_text(lines + (states or [])),
    )


class SupportCog(Cog):
    name = "support"
    title = "Support and help"

    def __init__(self, kernel: Kernel, data_file: Path | None = None) -> None:
        super().__init__(kernel)
        self.data_file = data_file or default_data_file()
        # Loaded now, so a wrong file stops start-up instead of failing someone in distress;
        # the replies are built once too, since the data does not change while running.
        self.directory = load_support_lines(self.data_file)
        self._replies = {f: support_reply(self.directory, f) for f in LineFilter}

    @command("support", "Crisis and support lines", role=Role.EVERYONE)
    async def support(
        self,
        ctx: Context,
        filter: Annotated[
            LineFilter,
            Option("Show lines for a place or community first; 24/7 crisis lines always show"),
        ] = LineFilter.ALL,
    ) -> Reply:
        return self._replies[filter]

    @command("help", "The commands you can use", role=Role.EVERYONE)
    async def help(
        self,
        ctx: Context,
        command: Annotated[
            str | None,
            Option("One command to explain, with its options: reflect start", max_length=100),
        ] = None,
    ) -> Reply:
        registry = self.kernel.registry
        allowed = await registry.allowed_commands(ctx.user)
        if command is not None:
            return Reply(text=command_help(registry, allowed, command), private=True)
        on_messages: list[str] = []
        if ctx.platform == "discord":  # the only platform with a message menu
            role = await registry.directory.role_of(ctx.user.key, None)
            on_messages = [m.label for m in registry.message_commands.values() if m.role <= role]
        text = help_text(allowed, _cog_titles(registry.cogs), on_messages)
        return Reply(text=text, private=True)


def _cog_titles(cogs: list[object]) -> dict[str, str]:
    titles: dict[str, str] = {}
    for cog in cogs:
        name = getattr(cog, "name", None)
        if isinstance(name, str):
            title = getattr(cog, "title", None)
            titles[name] = title if isinstance(title, str) and title else name
    return titles


HELP_WIDTH = 78
MORE_HELP = "For a command's options and values: /help COMMAND, e.g. /help reflect start."
#: The few commands a new member needs first, and what each is for, in plain words.
START_HERE = (
    ("network join", "join your network"),
    ("meeting next", "when and where your network meets next"),
    ("reflect start", "think a hard situation through with peers, privately"),
    ("resources search", "find templates, training, jobs and support"),
    ("checkin start", "private wellbeing check-ins, off until you start them"),
)


def help_text(
    allowed: list[CommandSpec], titles: dict[str, str], on_messages: list[str] | None = None
) -> str:
    """Short: a "start here" of the few commands a new member needs first, then every
    command's name grouped under its cog's title, groups and commands in alphabetical order;
    then the commands in a message's menu, where the platform has one.
    ``/help COMMAND`` (``command_help``) tells the rest."""
    groups: dict[str, list[CommandSpec]] = {}
    for spec in allowed:
        groups.setdefault(titles.get(spec.cog, spec.cog or "Other"), []).append(spec)
    available = {spec.name for spec in allowed}
    start = [f"- /{name}: {what}" for name, what in START_HERE if name in available]
    out = ["Commands you can use:"]
    if start:
        out += ["", "Start here", *start]
    for title in sorted(groups, key=str.casefold):
        names = [f"/{s.name}" for s in sorted(groups[title], key=lambda s: s.name)]
        out += ["", title, *_listed(names)]
    if on_messages:
        out += ["", "In a message's menu (Apps): " + ", ".join(sorted(on_messages)) + "."]
    out += ["", MORE_HELP]
    out += ["If you need support now, type /support for crisis and support lines."]
    return "\n".join(out)


def _listed(names: list[str]) -> list[str]:
    """``  /a, /b, /c`` in lines of at most HELP_WIDTH, never breaking inside a name."""
    lines = [""]
    for name in names:
        item = f"{name}, " if name != names[-1] else name
        if lines[-1] and len(lines[-1]) + len(item) > HELP_WIDTH - 2:
            lines[-1] = lines[-1].rstrip()
            lines.append("")
        lines[-1] += item
    return ["  " + line for line in lines]


def command_help(registry: Registry, allowed: list[CommandSpec], asked: str) -> str:
    """One command: what it does, who may run it, and each option with its allowed values."""
    words = asked.strip().lstrip("/!").lower().split()
    found = registry.find(words) if words else None
    spec = found[0] if found is not None and found[1] == len(words) else None
    if spec is None or spec not in allowed:
        starting = sorted(s.name for s in allowed if s.name.startswith(" ".join(words)))
        near = f" Commands starting so: /{', /'.join(starting)}." if words and starting else ""
        return f"There is no command /{' '.join(words)} you can use.{near} Type /help to see them."
    out = [f"/{spec.name} — {spec.description}"]
    if spec.role > Role.EVERYONE:
        out.append(f"Who can use it: {spec.role.label}s and above.")
    if not spec.options:
        out.append("It takes no options.")
    for option in spec.options:
        need = "required" if option.required else "optional"
        out.append(f"- {option.name} ({need}): {option.description}; {option.hint}.")
    example = [f"{o.name}:..." for o in spec.options if o.required]
    out.append("Type it as: " + " ".join([f"/{spec.name}", *example]))
    return "\n".join(out)
