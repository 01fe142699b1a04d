"""The README's pictures: the console as a newcomer sees it, and peerbot's Discord cards.

The console picture is a real ``peerbot run`` on a throwaway data folder. The Discord pictures
are drawn from the exact embeds and buttons the Discord adapter builds for real replies, in
Discord's dark colours; they are not captures of the Discord app (there is no Discord here).
Needs Debian's ``chromium``. Run: ``.venv/bin/python -m devtools.screenshots``.
"""

from __future__ import annotations

import asyncio
import html
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.app import App
from bot.identity import PlaceRef, UserRef
from bot.platforms.discord.render import to_message
from bot.registry import Invocation
from bot.replies import Reply
from config.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
ZONE = ZoneInfo("Australia/Sydney")
CONSOLE_SCRIPT = """\
/network create name:"South Coast Peer Network" slug:south-coast
/as carol coordinator network:south-coast
/manage meeting schedule date:"10 March 2035" time:10am duration:120 location:"Wollongong, room 3"
/as mia member network:south-coast
/meeting next
"""


def console_transcript() -> str:
    """What the console prints for CONSOLE_SCRIPT, run as a person would run it."""
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "bot.cli",
                "run",
                "--config",
                str(ROOT / "config" / "peerbot.example.toml"),
            ],
            cwd=folder,
            input=CONSOLE_SCRIPT,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
    return done.stdout.strip()


async def discord_messages() -> list[tuple[str, dict[str, Any]]]:
    """(title, message) for a few real replies, as the Discord adapter would send them."""
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(
            None, environ={"PEERBOT_DATA_DIR": folder, "PEERBOT_ADMINS": "console:admin"}
        )
        app = App(settings)
        kernel = await app.start_without_worker()
        space = PlaceRef(platform="console", id="local", name="console")

        async def run(who: str, command: str, /, **arguments: Any) -> Reply:
            return await kernel.registry.invoke(
                Invocation(
                    user=UserRef(platform="console", id=who),
                    place=None,
                    name=command,
                    arguments=arguments,
                    space=space,
                )
            )

        try:
            await run(
                "admin", "network create", name="South Coast Peer Network", slug="south-coast"
            )
            await run("mia", "network join", network="south-coast")
            shown = [
                ("/support filter:nsw", await run("mia", "support", filter="nsw")),
                (
                    "/resources show entry:21",
                    await run("mia", "resources show", entry="21"),
                ),
            ]
        finally:
            await app.stop()
    messages = []
    for title, reply in shown:
        parts = to_message(reply)
        messages.append(
            (
                title,
                {
                    "content": parts.content,
                    "embeds": [e.to_dict() for e in parts.embeds],
                    "buttons": [b.label for b in reply.buttons],
                },
            )
        )
    return messages


def _discord_text(text: str) -> str:
    """Discord's markup as the app shows it: timestamps as local times, mentions as names."""
    text = html.escape(text)
    text = re.sub(
        r"&lt;t:(\d+):\w&gt;",
        lambda m: (
            datetime.fromtimestamp(int(m[1]), UTC).astimezone(ZONE).strftime("%-d %B %Y %H:%M")
        ),
        text,
    )
    text = re.sub(r"&lt;[@#]&amp;?!?\d+&gt;", "@someone", text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    text = re.sub(r"(https://[^\s<]+)", r'<span class="link">\1</span>', text)
    return text.replace("\n", "<br>")


def discord_html(title: str, message: dict[str, Any]) -> str:
    parts = [f'<div class="cmd">{html.escape(title)}</div>']
    if message["content"]:
        parts.append(f'<div class="content">{_discord_text(message["content"])}</div>')
    for embed in message["embeds"]:
        colour = f"#{embed.get('color', 0x5865F2):06x}"
        body = []
        if "title" in embed:
            linked = " link" if "url" in embed else ""  # Discord makes a card's title its link
            body.append(f'<div class="title{linked}">{_discord_text(embed["title"])}</div>')
        if "description" in embed:
            body.append(f'<div class="desc">{_discord_text(embed["description"])}</div>')
        for field in embed.get("fields", []):
            inline = " inline" if field.get("inline") else ""
            body.append(
                f'<div class="field{inline}"><div class="name">{_discord_text(field["name"])}</div>'
                f'<div class="value">{_discord_text(field["value"])}</div></div>'
            )
        if "footer" in embed:
            body.append(f'<div class="footer">{_discord_text(embed["footer"]["text"])}</div>')
        parts.append(f'<div class="embed" style="border-color:{colour}">{"".join(body)}</div>')
    if message["buttons"]:
        buttons = "".join(
            f'<span class="button">{html.escape(b)}</span>' for b in message["buttons"]
        )
        parts.append(f'<div class="buttons">{buttons}</div>')
    parts.append('<div class="only">Only you can see this</div>')
    return _page(
        "body{background:#313338;color:#dbdee1;font:15px/1.4 'DejaVu Sans',sans-serif;margin:0;"
        "padding:16px;width:560px}.cmd{color:#949ba4;font-size:13px;margin-bottom:6px}"
        ".embed{background:#2b2d31;border-left:4px solid;border-radius:4px;padding:10px 14px;"
        "margin:6px 0;display:flex;flex-wrap:wrap}.embed>div{flex-basis:100%}"
        ".embed>.inline{flex-basis:33%}.title{font-weight:bold;color:#f2f3f5;margin-bottom:6px}"
        ".desc{margin-bottom:8px}.field{margin:4px 0}.name{font-weight:bold;color:#f2f3f5}"
        ".footer{color:#949ba4;font-size:12px;margin-top:8px}.link{color:#00a8fc}"
        ".button{display:inline-block;background:#4e5058;color:#fff;border-radius:3px;"
        "padding:6px 14px;margin:4px 8px 0 0}.only{color:#949ba4;font-size:12px;margin-top:6px}",
        "".join(parts),
    )


def console_html(transcript: str) -> str:
    return _page(
        "body{background:#1e1e1e;color:#e0e0e0;margin:0;padding:16px;width:680px}"
        "pre{font:14px/1.35 'DejaVu Sans Mono',monospace;white-space:pre-wrap;margin:0}",
        f"<pre>{html.escape(transcript)}</pre>",
    )


def _page(style: str, body: str) -> str:
    return f"<!doctype html><meta charset=utf-8><style>{style}</style><body>{body}</body>"


def shoot(page: str, target: Path, width: int, height: int) -> None:
    """Save ``page`` as a PNG with headless chromium."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise SystemExit("screenshots need chromium: sudo apt install chromium")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "page.html"
        source.write_text(page, encoding="utf-8")
        subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--user-data-dir={folder}/profile",
                f"--window-size={width},{height}",
                f"--screenshot={target}",
                source.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def _height(message: dict[str, Any]) -> int:
    """Roughly how tall the message is drawn: lines of about 60 characters, 21 pixels each."""
    texts = [message["content"] or ""]
    for embed in message["embeds"]:
        texts += [embed.get("title", ""), embed.get("description", ""), "", ""]
        for field in embed.get("fields", []):
            texts += [field["name"], field["value"], ""]
    lines = sum(max(1, -(-len(line) // 60)) for text in texts for line in text.split("\n"))
    return 110 + 21 * lines + (40 if message["buttons"] else 0)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    transcript = console_transcript()
    shoot(
        console_html(transcript), OUT / "console.png", 712, 40 + 19 * (transcript.count("\n") + 2)
    )
    for n, (title, message) in enumerate(asyncio.run(discord_messages()), 1):
        lines = sum(
            len(f.get("value", "").split("\n")) + 2
            for e in message["embeds"]
            for f in e.get("fields", [])
        )
        shoot(discord_html(title, message), OUT / f"discord-{n}.png", 592, 220 + 21 * lines)
    print(f"wrote the pictures in {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
