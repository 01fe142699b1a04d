"""``peerbot``: run the bot, check the configuration, apply migrations, take a backup."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import os
import signal
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.app import App
from bot.errors import ConfigError, StartupError
from bot.logs import setup_logging
from bot.migrations import migrate
from bot.platforms.console import ConsoleAdapter
from bot.platforms.console_input import LineEditor
from bot.platforms.discord.serve import serve_discord
from bot.platforms.matrix.serve import serve_matrix
from bot.private_files import create_private, warn_if_not_private, write_private
from bot.storage import Database
from bot.storage_checks import (
    Problem,
    StorageError,
    damaged,
    prepare_folder,
    problem_of,
    startup_error,
)
from cogs import ALL_COGS
from config.settings import Settings, load_settings, render_settings
from web.context import WebContext
from web.server import WebServer

log = logging.getLogger("peerbot")

PROJECT_CONFIG = Path("config/peerbot.toml")
#: The console's history of command lines without free text (bot/platforms/console_input.py).
HISTORY_FILE = "console_history"
EXAMPLE_CONFIG = Path(__file__).resolve().parent.parent / "config" / "peerbot.example.toml"

# Exit statuses (the README's "Exit statuses"): 0 stopped normally, 130 stopped by Ctrl-C or
# SIGTERM; and the causes a service manager or a script may want to tell apart:
EXIT_STARTUP = 1  # cannot start: the database, a migration, a data folder
EXIT_CONFIG = 2  # the configuration is wrong (the message names the file, the key, the fix)
# 3: the platform refused the login (LoginRefused), 4: a Discord intent is off (IntentMissing),
# 5: the platform could not be reached, after retrying (PlatformUnreachable).


def choose_config(explicit: Path | None) -> Path | None:
    """--config, else PEERBOT_CONFIG, else config/peerbot.toml, else the example file."""
    if explicit is not None:
        return explicit
    if os.environ.get("PEERBOT_CONFIG"):
        return None  # load_settings reads it, so the error names the variable's file
    if PROJECT_CONFIG.exists():
        return PROJECT_CONFIG
    return EXAMPLE_CONFIG


def build_parser() -> argparse.ArgumentParser:
    config_help = (
        "TOML configuration file (default: PEERBOT_CONFIG, "
        "then config/peerbot.toml, then config/peerbot.example.toml)"
    )
    # --config works before or after the subcommand; after it, argparse would otherwise reset
    # a value given before it to the default, so the subcommands' copy sets nothing unless given.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, default=argparse.SUPPRESS, help=config_help)
    parser = argparse.ArgumentParser(
        prog="peerbot",
        description="A community bot for mental-health peer worker networks.",
    )
    parser.add_argument("--config", type=Path, default=None, help=config_help)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", parents=[common], help="start the bot (the console without platforms)")
    sub.add_parser("check-config", parents=[common], help="print the effective configuration")
    sub.add_parser("migrate", parents=[common], help="apply database migrations")
    backup = sub.add_parser("backup", parents=[common], help="copy the database safely")
    backup.add_argument("path", type=Path, help="where to write the copy")
    add_cog_cli_commands(sub, common)
    return parser


def add_cog_cli_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """A cog module may offer its own subcommands with ``add_cli_commands(sub, common)``; they
    set ``cli_handler(args, settings) -> exit status`` as their parser's default."""
    for module_name in ALL_COGS:
        hook = getattr(importlib.import_module(module_name), "add_cli_commands", None)
        if hook is not None:
            hook(sub, common)


def main(argv: Sequence[str] | None = None) -> int:
    os.umask(0o077)  # whatever peerbot creates (database, log, exports) is private to it
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    config_path = choose_config(args.config)
    try:
        settings = load_settings(config_path)
    except ConfigError as error:
        print(f"peerbot: configuration error:\n{error}", file=sys.stderr)
        return EXIT_CONFIG
    console = command == "run" and not (settings.discord.enabled or settings.matrix.enabled)
    try:
        if console:
            prepare_folder(settings.data_dir)  # the log file goes there: check it first
        setup_logging(
            settings.logging.level,
            settings.logging.format,
            file=settings.data_dir / "peerbot.log" if console else None,
        )
        if command == "check-config":
            source = config_path or os.environ.get("PEERBOT_CONFIG", "")
            print(f"# configuration file: {source}")
            print(render_settings(settings))
            return 0
        warn_if_not_private(settings)
        cog_handler = getattr(args, "cli_handler", None)
        if cog_handler is not None:
            return int(cog_handler(args, settings))
        if command == "migrate":
            return asyncio.run(_migrate(settings))
        if command == "backup":
            return _backup(settings, args.path)
        return asyncio.run(_run(settings))
    except StorageError as error:
        print(f"peerbot: {error}", file=sys.stderr)
        return EXIT_STARTUP
    except sqlite3.Error as error:  # met after opening (a damaged page, a full disk): one line
        print(f"peerbot: {startup_error(error, settings.database_path)}", file=sys.stderr)
        return EXIT_STARTUP
    except StartupError as error:
        print(f"peerbot: cannot start: {error}", file=sys.stderr)
        return error.exit_status
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("peerbot: stopped.", file=sys.stderr)
        return 130


async def _migrate(settings: Settings) -> int:
    db = await Database.open(settings.database_path)
    try:
        applied = await migrate(db)
    finally:
        await db.close()
    if applied:
        print(f"Applied {len(applied)} migration(s) to {settings.database_path}:")
        for migration in applied:
            print(f"  {migration.filename}")
    else:
        print(f"{settings.database_path} is up to date; nothing to apply.")
    return 0


#: Folders of the data folder that hold files the database points to (a library entry's
#: template or form: cogs.resources.attachments.FILES_FOLDER). A backup copies them beside
#: the database copy, into TARGET.files/.
BACKED_UP_FOLDERS = ("resource-files",)


def files_backup_folder(target: Path) -> Path:
    """Where ``peerbot backup TARGET`` puts the files: ``TARGET.files`` beside the copy."""
    return target.with_name(target.name + ".files")


def _backup(settings: Settings, target: Path) -> int:
    """SQLite's online backup: a consistent copy even while the bot is writing; then the
    files the database points to, copied beside it."""
    source_path = settings.database_path
    if not source_path.exists():
        raise StartupError(f"There is no database at {source_path} to back up yet.")
    if target.exists():
        raise StartupError(f"{target} already exists; choose a new file name for the backup.")
    if files_backup_folder(target).exists():
        raise StartupError(
            f"{files_backup_folder(target)} already exists; choose a new file name for the backup."
        )
    partial = target.with_name(target.name + ".partial")
    try:
        create_private(partial)  # the copy holds everything the database does: 0600
    except OSError as error:
        raise StorageError(
            f"Cannot write the backup {target} ({error.strerror}). Choose a folder the account "
            "running peerbot can write, on a disk with free space."
        ) from error
    try:
        _copy_database(source_path, partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)
    print(f"Backed up {source_path} to {target}.")
    copied = _backup_files(settings.data_dir, files_backup_folder(target))
    if copied:
        print(f"Copied {copied} library file(s) to {files_backup_folder(target)}.")
    return 0


def _backup_files(data_dir: Path, destination: Path) -> int:
    """Copy each backed-up folder's files; returns how many. Files are
    written once under a name made from their content and never changed, so copying after
    the database gives every file the copy points to."""
    copied = 0
    for name in BACKED_UP_FOLDERS:
        source = data_dir / name
        if not source.is_dir():
            continue
        for path in sorted(source.iterdir()):
            if not path.is_file():
                continue
            copy = destination / name / path.name
            try:
                write_private(copy, path.read_bytes())  # 0600, in 0700 folders
            except OSError as error:
                raise StorageError(
                    f"Cannot copy {path} to {copy} ({error.strerror}). The database copy is "
                    "complete; free some space or choose another folder and back up again."
                ) from error
            copied += 1
    return copied


def _copy_database(source_path: Path, partial: Path, target: Path) -> None:
    """Check the source (a copy of a damaged database would be damaged too), then copy it."""
    try:
        source = sqlite3.connect(source_path.resolve().as_uri() + "?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise startup_error(error, source_path) from error
    try:
        try:
            check = source.execute("PRAGMA quick_check").fetchone()
        except sqlite3.Error as error:
            raise startup_error(error, source_path) from error
        if check != ("ok",):
            raise damaged(source_path, "PRAGMA quick_check found damaged pages")
        destination = sqlite3.connect(partial)
        try:
            source.backup(destination)
        except sqlite3.Error as error:
            if problem_of(error) in (Problem.FULL, Problem.READ_ONLY, Problem.NO_ACCESS):
                raise StorageError(
                    f"Cannot write the backup {target} ({error}). Free some space on its disk "
                    "or choose another folder; the database itself is unchanged."
                ) from error
            raise startup_error(error, source_path) from error
        finally:
            destination.close()
    finally:
        source.close()


async def _run(settings: Settings) -> int:
    main_task = asyncio.current_task()
    stopping = asyncio.Event()  # set once a stop began: a second signal must not cut it short

    def on_sigterm() -> None:
        # A service manager's stop (SIGTERM) shuts down as cleanly as /quit and Ctrl-C do:
        # serving ends, then App.stop finishes the work in progress and closes everything.
        if main_task is not None and not stopping.is_set():
            stopping.set()
            main_task.cancel()

    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, on_sigterm)
    app = App(settings)
    kernel = await app.start_without_worker()
    try:
        if settings.web.enabled:
            await _start_web(
                app, settings, announce=not (settings.discord.enabled or settings.matrix.enabled)
            )
        if settings.matrix.enabled:
            discord = serve_discord(app, kernel, settings) if settings.discord.enabled else None
            await serve_matrix(app, kernel, alongside=discord)
        elif settings.discord.enabled:
            await serve_discord(app, kernel, settings)
        else:
            console = ConsoleAdapter(
                kernel, line_editor=LineEditor.for_terminal(settings.data_dir / HISTORY_FILE)
            )
            app.start_worker([console.port])
            if app.worker is not None:
                console.settle = app.worker.run_once
            await console.run()
    except asyncio.CancelledError:
        if not (stopping.is_set() and main_task is not None and main_task.uncancel() == 0):
            raise  # Ctrl-C (asyncio.run turns it into KeyboardInterrupt: exit 130)
        # SIGTERM asked for this stop: after the clean stop below, exit 0, as a service
        # manager expects of a requested stop (systemd counts 130 as a failure).
        print("peerbot: stopped.", file=sys.stderr)
    finally:
        stopping.set()
        await app.stop()
    return 0


async def _start_web(app: App, settings: Settings, *, announce: bool) -> None:
    """Serve the web page on this loop; ``App.stop`` closes it with the platforms. The
    console prints its address (a person is reading); otherwise it is logged."""
    assert app.kernel is not None
    context = WebContext(
        kernel=app.kernel, settings=settings.web, clock=app.clock, platforms=app.connections
    )
    server = WebServer(context)
    await server.start()
    app.add_front_end("the web page", server.stop)
    if announce:
        print(f"Web page: {server.address}", flush=True)
    log.info("web page: listening on %s:%d", settings.web.host, settings.web.port)


if __name__ == "__main__":
    raise SystemExit(main())
