"""The shipped starting library, kept up to date in databases that already hold it.

``seed.yaml`` is loaded at every start. An entry not seen before (by key) is added. An entry
already there is brought up to date with the file only while it is still exactly as some earlier
peerbot shipped it: ``seed_shipped.txt`` holds the content hash of every version of every seed
entry ever shipped, so a coordinator's or admin's own change (which matches none of them) is
never overwritten, and a retired entry stays retired. When you change ``seed.yaml``, run
``.venv/bin/python -m devtools.seed_shipped --write`` to add the new versions' hashes (a test
fails until you do); never remove a line.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from cogs.resources.models import Draft

SEED_FILE = Path(__file__).resolve().parent / "seed.yaml"
SHIPPED_FILE = Path(__file__).resolve().parent / "seed_shipped.txt"


def content_hash(draft: Draft) -> str:
    """What an entry says, without when it was last checked (checking changes no words)."""
    text = draft.model_dump_json(exclude={"last_checked"})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def shipped(path: Path = SHIPPED_FILE) -> frozenset[tuple[str, str]]:
    """Every (key, content hash) some peerbot version shipped."""
    found: set[tuple[str, str]] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, digest = line.partition(" ")
            found.add((key, digest.strip()))
    return frozenset(found)


@dataclass(frozen=True)
class SeedChanges:
    added: int
    updated: int

    @property
    def any(self) -> bool:
        return bool(self.added or self.updated)
