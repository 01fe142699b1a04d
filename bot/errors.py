"""The errors the kernel understands, and the short ids that tie an apology to a log line."""

from __future__ import annotations

import logging
import secrets
import traceback


class PeerbotError(Exception):
    """Base for errors peerbot raises on purpose."""


class UserError(PeerbotError):
    """Something the person can fix: shown to them privately, word for word, and nothing changes.

    The message should say what was wrong and how to put it right.
    """


class PermissionDenied(UserError):
    """The caller lacks the role a command needs in that network."""


class StartupError(PeerbotError):
    """The bot cannot start safely (database newer than the code, an edited migration...)."""

    #: What ``peerbot`` exits with, so a service manager or a script can tell causes apart
    #: (the README's "Exit statuses" lists them).
    exit_status = 1


class WrongSetting(StartupError):
    """A setting the platform showed to be wrong (a server id the bot is not in)."""

    exit_status = 2


class LoginRefused(StartupError):
    """The platform refused the bot's credentials (a wrong token or password)."""

    exit_status = 3


class IntentMissing(StartupError):
    """Discord refused a privileged intent the bot needs (switched off in the portal)."""

    exit_status = 4


class PlatformUnreachable(StartupError):
    """The platform could not be reached (no network, a wrong address); worth retrying."""

    exit_status = 5


class ConfigError(PeerbotError):
    """A configuration or data file is wrong; the message names the file, the key and the fix."""


def new_error_id() -> str:
    """A short id, easy to read out, that appears both in the apology and in the log."""
    return secrets.token_hex(4).upper()


def redacted_traceback(error: BaseException) -> str:
    """The traceback without exception messages, which can quote what a person typed.

    Frames (file, line, code) and exception types are enough to find a bug; the values are not
    needed and must never reach a log.
    """
    parts: list[str] = []
    current: BaseException | None = error
    while current is not None:
        frames = "".join(traceback.format_tb(current.__traceback__))
        parts.append(
            f"{type(current).__module__}.{type(current).__qualname__} (message withheld)\n{frames}"
        )
        current = current.__cause__ or current.__context__
        if len(parts) > 5:
            break
    return "\n--- caused by or raised while handling ---\n".join(parts)


def log_failure(logger: logging.Logger, error: BaseException, message: str, *args: object) -> None:
    """Log an unexpected failure with its redacted traceback (see ``redacted_traceback``)."""
    logger.error(message + "\n%s", *args, redacted_traceback(error))
