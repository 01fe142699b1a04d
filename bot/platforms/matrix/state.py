"""The bot's Matrix login, kept in the data folder so a restart reuses the same device.

The session (user id, device id, access token) is a small JSON file written atomically and
readable only by its owner, next to the encryption store. The sync token lives in the
database's ``platform_state``, keyed by user and device, so a restart neither replays old
events nor mixes up two logins.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

SESSION_FILE = "session.json"


@dataclass(frozen=True)
class Session:
    homeserver: str
    user_id: str
    device_id: str
    access_token: str

    @property
    def sync_token_key(self) -> str:
        return f"matrix:next_batch:{self.user_id}:{self.device_id}"


def matrix_dir(data_dir: Path) -> Path:
    return data_dir / "matrix"


def load_session(folder: Path) -> Session | None:
    """The saved session, or None when there is none or it cannot be read."""
    path = folder / SESSION_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Session(
            homeserver=str(data["homeserver"]),
            user_id=str(data["user_id"]),
            device_id=str(data["device_id"]),
            access_token=str(data["access_token"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_session(folder: Path, session: Session) -> None:
    """Write to a temporary file and rename, so a crash never leaves half a file."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SESSION_FILE
    partial = folder / (SESSION_FILE + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(asdict(session), handle)
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(path)


def forget_session(folder: Path) -> None:
    (folder / SESSION_FILE).unlink(missing_ok=True)
