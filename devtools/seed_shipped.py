"""Record the content hashes of the seed library as it is now, so databases holding an earlier
version are brought up to date and a person's own edits are not (cogs/resources/seed.py).

Run after changing cogs/resources/seed.yaml: ``.venv/bin/python -m devtools.seed_shipped
--write``. Without ``--write`` it only says what is missing (exit 1 if anything is).
"""

from __future__ import annotations

import argparse

from cogs.resources.files import read_records
from cogs.resources.seed import SEED_FILE, SHIPPED_FILE, content_hash, shipped


def missing() -> list[tuple[str, str]]:
    known = shipped()
    now = {(r.record.stable_key, content_hash(r.record.entry)) for r in read_records(SEED_FILE)}
    return sorted(now - known)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.seed_shipped", description=__doc__)
    parser.add_argument("--write", action="store_true", help="add the missing hashes")
    args = parser.parse_args(argv)
    new = missing()
    if not new:
        print("seed_shipped: every seed entry's version is recorded")
        return 0
    if not args.write:
        print(f"seed_shipped: {len(new)} seed entry version(s) not recorded; run with --write")
        return 1
    with SHIPPED_FILE.open("a", encoding="utf-8") as out:
        out.writelines(f"{key} {digest}\n" for key, digest in new)
    print(f"seed_shipped: recorded {len(new)} new version(s) in {SHIPPED_FILE.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
