"""``peerbot resources import FILE`` and ``peerbot resources export FILE``: the library in a
YAML or CSV file, for curating in bulk or moving between bots."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.clock import SystemClock
from bot.kernel import Kernel
from bot.migrations import migrate
from bot.storage import Database
from cogs.resources.files import FileProblem
from cogs.resources.service import ResourceService
from config.settings import Settings

EXIT_OK = 0
EXIT_BAD_FILE = 2


def add_cli_commands(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """Called by ``bot.cli`` for every cog module that has it."""
    parser = subparsers.add_parser(
        "resources", parents=[common], help="import or export the resource library"
    )
    actions = parser.add_subparsers(dest="resources_command", metavar="ACTION", required=True)
    imports = actions.add_parser(
        "import",
        parents=[common],
        help="add or update entries from a YAML or CSV file (all or nothing)",
    )
    imports.add_argument("file", type=Path, help="a .yaml, .yml or .csv file")
    exports = actions.add_parser(
        "export", parents=[common], help="write every current entry to a YAML or CSV file"
    )
    exports.add_argument("file", type=Path, help="a .yaml, .yml or .csv file to write")
    parser.set_defaults(cli_handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_run(str(args.resources_command), Path(args.file), settings))


async def _run(what: str, path: Path, settings: Settings) -> int:
    db = await Database.open(
        settings.database_path, busy_timeout_ms=settings.database.busy_timeout_ms
    )
    try:
        await migrate(db)
        service = ResourceService(Kernel.build(settings, db, SystemClock()))
        if what == "import":
            result = await service.import_file(path)
            print(
                f"Imported {path}: {result.added} added, {result.updated} updated, "
                f"{result.unchanged} unchanged."
            )
        else:
            count = await service.export_file(path)
            print(f"Exported {count} entries to {path}.")
    except FileProblem as problem:
        print(f"peerbot: nothing was imported.\n{problem}", file=sys.stderr)
        return EXIT_BAD_FILE
    except OSError as error:  # the export file: a full disk, a folder it may not write
        print(
            f"peerbot: cannot write {path} ({error.strerror}); nothing was written.",
            file=sys.stderr,
        )
        return EXIT_BAD_FILE
    finally:
        await db.close()
    return EXIT_OK
