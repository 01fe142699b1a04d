"""``./dev lock``: write requirements.lock and requirements-dev.lock from what .venv has.

Running needs only peerbot's own dependencies and theirs (requirements.lock, what ``./dev run``
installs); the test and development tools (the ``dev`` extra: pytest, Synapse, mypy...) and
whatever only they need go in requirements-dev.lock, which ``./dev test`` installs as well.
Both pin exact versions, read from the installed packages, so nothing is resolved twice.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

PROJECT = "peerbot"
DEV_EXTRA = "dev"
#: Installing peerbot itself (``pip install --no-build-isolation -e .``) needs its build backend.
BUILD = ("setuptools",)
#: The installer itself comes with the virtual environment; a lock must not move it.
NOT_PINNED = frozenset({"pip"})
RUN_HEADER = (
    "# Exact versions ./dev run installs: what running peerbot needs, and nothing else.\n"
    "# Written by ./dev lock (devtools/lock.py) from the installed packages; the test and\n"
    "# development tools are in requirements-dev.lock.\n"
)
DEV_HEADER = (
    "# Exact versions ./dev test installs on top of requirements.lock: the test and\n"
    "# development tools (pytest, Synapse, mypy, ruff, pip-audit) and what only they need.\n"
    "# Written by ./dev lock (devtools/lock.py) from the installed packages.\n"
)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _installed() -> dict[str, metadata.Distribution]:
    found: dict[str, metadata.Distribution] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found.setdefault(canonical(name), dist)
    return found


def _applies(req: Requirement, extras: Iterable[str]) -> bool:
    if req.marker is None:
        return True
    return any(req.marker.evaluate({"extra": extra}) for extra in ("", *extras))


def closure(
    roots: Iterable[Requirement], installed: dict[str, metadata.Distribution]
) -> dict[str, metadata.Distribution]:
    """Every installed distribution the roots need, with the extras they ask for."""
    needed: dict[str, metadata.Distribution] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = list(roots)
    while todo:
        req = todo.pop()
        key = (canonical(req.name), frozenset(req.extras))
        if key in seen:
            continue
        seen.add(key)
        dist = installed.get(key[0])
        if dist is None:
            raise SystemExit(f"lock: {req.name} is needed but not installed in this environment")
        needed[key[0]] = dist
        for text in dist.requires or []:
            sub = Requirement(text)
            if _applies(sub, req.extras):
                todo.append(sub)
    return needed


def split() -> tuple[list[str], list[str]]:
    """(run pins, dev-only pins), each ``Name==version``, sorted as pip freeze sorts."""
    installed = _installed()
    own = installed.get(PROJECT)
    if own is None:
        raise SystemExit("lock: peerbot is not installed here; run ./dev test first")
    reqs = [Requirement(text) for text in own.requires or []]
    run_roots = [r for r in reqs if _applies(r, ())] + [Requirement(b) for b in BUILD]
    dev_roots = [r for r in reqs if r.marker is not None and r.marker.evaluate({"extra": "dev"})]
    run = closure(run_roots, installed)
    dev = {
        k: d
        for k, d in closure(dev_roots, installed).items()
        if k not in run and k not in NOT_PINNED
    }

    def pins(dists: dict[str, metadata.Distribution]) -> list[str]:
        named = sorted(dists.items(), key=lambda item: item[0])
        return [f"{d.metadata['Name']}=={d.version}" for _, d in named]

    return pins(run), pins(dev)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./dev lock", description=__doc__)
    parser.add_argument("--run", type=Path, default=Path("requirements.lock"))
    parser.add_argument("--dev", type=Path, default=Path("requirements-dev.lock"))
    args = parser.parse_args(argv)
    run, dev = split()
    args.run.write_text(RUN_HEADER + "".join(f"{p}\n" for p in run))
    args.dev.write_text(DEV_HEADER + "".join(f"{p}\n" for p in dev))
    print(f"lock: {len(run)} packages in {args.run}, {len(dev)} more in {args.dev}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
