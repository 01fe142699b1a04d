"""Network roles at scale: ``--people`` members of one network, reconciled on the fake Discord
limited to ``--rate`` requests a second (429 with ``retry_after`` when over).

Run 1: the admin runs /network setup; set-up gives every member the member role. Run 2: while
peerbot is stopped, every member's role is removed by hand and as many outsiders are given it;
peerbot starts with the server held back until after READY, and reconciles once it arrives.
Each run prints the role requests, the time against the floor the rate limit sets (requests /
rate), how many were answered 429, the most in flight at once, and whether every member (and
nobody else) holds the role at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from aiohttp import web

from bot.clock import to_db
from cogs.networks.roles import CONCURRENCY
from tests.e2e.fakediscord import FakeDiscord, discord_pointed_at
from tests.e2e.peerbot_on_fake import ADMIN, PeerbotOnFake


def role_requests(fake: FakeDiscord, since: int) -> list[object]:
    return [
        r
        for r in fake.requests[since:]
        if r.method in ("PUT", "DELETE") and "/roles/" in r.path and "/members/" in r.path
    ]


def in_flight_meter(fake: FakeDiscord) -> dict[str, int]:
    """Wrap the fake's middleware to count member-role requests being handled at once."""
    meter = {"now": 0, "most": 0}
    inner = fake._middleware

    @web.middleware
    async def counting(request: web.Request, handler: object) -> web.StreamResponse:
        mine = "/members/" in request.path and "/roles/" in request.path
        if mine:
            meter["now"] += 1
            meter["most"] = max(meter["most"], meter["now"])
        try:
            return await inner(request, handler)
        finally:
            if mine:
                meter["now"] -= 1

    fake._middleware = counting  # type: ignore[method-assign]
    return meter


async def main(people: int, rate: int) -> None:
    fake = FakeDiscord(member_names=(ADMIN,), requests_per_second=rate)
    meter = in_flight_meter(fake)
    fake.timeout = 600
    members = [fake.add_user(f"member{i}") for i in range(people)]
    outsiders = [fake.add_user(f"outsider{i}") for i in range(people)]
    await fake.start()
    try:
        with discord_pointed_at(fake), tempfile.TemporaryDirectory() as folder:
            bot = PeerbotOnFake(fake, Path(folder))
            await bot.start()
            created = await fake.send_slash_command(
                "network", {"name": "Coast", "slug": "coast"}, subcommand="create", user=ADMIN
            )
            await created.callback()
            row = await bot.kernel.db.fetch_one("SELECT id FROM networks")
            assert row is not None
            network_id = int(row["id"])
            async with bot.kernel.db.transaction() as tx:
                for user in members:
                    await tx.execute(
                        "INSERT INTO memberships VALUES (?, ?, 'member', ?)",
                        (network_id, f"discord:{user['id']}", to_db(bot.kernel.clock.now())),
                    )
            mark, started = len(fake.requests), time.perf_counter()
            setup = await fake.send_slash_command(
                "network", {"network": "coast"}, subcommand="setup", user=ADMIN
            )
            await setup.callback()
            await setup.followup()
            report(fake, "set-up", mark, started, rate, meter, members, outsiders)
            await bot.stop()

            role = next(r for r in fake.guild.roles.values() if r["name"] == "Coast member")
            for user in members:
                fake.guild.members[int(user["id"])]["roles"] = []
            for user in outsiders:
                fake.guild.members[int(user["id"])]["roles"] = [role["id"]]
            fake.gateway.hold_guilds = True
            meter["most"] = 0
            mark, started = len(fake.requests), time.perf_counter()
            await bot.start()
            assert bot.client is not None
            await fake.release_guilds()
            await bot.client.roles_reconciled.wait()
            report(fake, "start", mark, started, rate, meter, members, outsiders)
            await bot.stop()
    finally:
        await fake.stop()


def report(
    fake: FakeDiscord,
    run: str,
    mark: int,
    started: float,
    rate: int,
    meter: dict[str, int],
    members: list[dict[str, object]],
    outsiders: list[dict[str, object]],
) -> None:
    seconds = time.perf_counter() - started
    done = role_requests(fake, mark)
    limited = sum(1 for r in done if getattr(r, "status", 0) == 429)
    accepted = len(done) - limited
    right = all(
        fake.state.role_names_of(fake.guild_id, int(str(u["id"]))) == {"Coast member"}
        for u in members
    ) and all(not fake.state.role_names_of(fake.guild_id, int(str(u["id"]))) for u in outsiders)
    print(
        f"{run}: {accepted} role requests in {seconds:.1f} s (floor {accepted / rate:.1f} s at "
        f"{rate}/s), {limited} answered 429, at most {meter['most']} in flight "
        f"(limit {CONCURRENCY}), every role right: {right}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--rate", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main(args.people, args.rate))
