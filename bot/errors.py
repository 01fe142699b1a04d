"""The errors the kernel understands, and the short ids that tie an apology to a log line."""

from __future__ import annotations

import secrets


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


class ConfigError(PeerbotError):
    """A configuration or data file is wrong; the message names the file, the key and the fix."""


def new_error_id() -> str:
    """A short id, easy to read out, that appears both in the apology and in the log."""
    return secrets.token_hex(4).upper()
