"""Posted meeting notices kept in step with their meetings.

Every change to a meeting (an edit, a skip, an answer, attendance, the meeting being held)
calls ``refresh`` inside the transaction that makes the change. It renders each posted notice
of that meeting again and, where what it shows is different, queues an outbox edit whose key
carries the notice's revision (``meeting:SERIES:DATE:notice:PLACE:REVISION``): committed with
the change, so a crash can neither lose the edit nor queue it twice, and an older version
still waiting is withdrawn so it can never land after a newer one. A notice that has closed
(held, skipped, cancelled) keeps what it said then; later changes to the series leave it be.

Notices are remembered in ``meeting_notices`` when the outbox records their delivery
(``delivered``, in that same transaction), because outbox rows are purged after a while.
A notice that went out while its meeting changed is brought up to date at once.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace

from bot.clock import Clock
from bot.identity import MessageRef, PlaceRef, place_from_key
from bot.outbox import Outbox
from bot.replies import Reply
from bot.storage import Transaction
from cogs.meetings import repository as repo
from cogs.meetings.models import Meeting, PostedNotice, build_meeting
from cogs.meetings.render import NoticeState, fingerprint, notice, thread_name
from cogs.meetings.schedule import occurrence_for
from cogs.networks import queries as network_queries

SUPERSEDED = "a newer version of the notice replaces it"


def announce_key(series_id: int, occurrence_key: str, place_key: str) -> str:
    return f"meeting:{series_id}:{occurrence_key}:announce:{place_key}"


def announce_prefix(series_id: int, occurrence_key: str) -> str:
    return f"meeting:{series_id}:{occurrence_key}:announce:"


def parse_announce_key(key: str) -> tuple[int, str, str] | None:
    """(series, occurrence, place key) of a notice's outbox key, or None for any other key."""
    parts = key.split(":", 4)
    if len(parts) != 5 or parts[0] != "meeting" or parts[3] != "announce":
        return None
    if not parts[1].isdigit():
        return None
    return int(parts[1]), parts[2], parts[4]


async def member_mention(tx: Transaction, network_id: int, place_key: str) -> str | None:
    """The member role a notice in ``place_key`` mentions: the network's role in that
    channel's space, unless the network turned mentions off (``/manage meeting settings``)."""
    if place_key.partition(":")[0] != "discord":
        return None  # only Discord has roles to mention (a Matrix "role" is a space)
    if not (await repo.settings_of(tx, network_id)).mention_members:
        return None
    for place, space in await network_queries.places(tx, network_id, "announcements"):
        if place == place_key:
            return await network_queries.member_role(tx, network_id, space)
    return None


class NoticeBoard:
    def __init__(self, outbox: Outbox, clock: Clock) -> None:
        self.outbox = outbox
        self.clock = clock

    async def view(
        self, tx: Transaction, series_id: int, key: str
    ) -> tuple[Meeting, NoticeState] | None:
        """The meeting of ``key`` as it is now, and what its notice should show; None when
        the key is no longer one of the series' dates (or the series is gone)."""
        series = await repo.series_by_id(tx, series_id)
        if series is None:
            return None
        names = await network_queries.names(tx, series.network_id)
        if names is None:
            return None
        changes = await repo.changes_of(tx, series_id)
        occurrence = occurrence_for(series.rule, key, overrides=changes.overrides)
        if occurrence is None:
            return None
        meeting = replace(
            build_meeting(series, occurrence, names), plan=await repo.plan_of(tx, series_id, key)
        )
        now = self.clock.now()
        if series.cancelled_at is not None and occurrence.end > series.cancelled_at:
            state = NoticeState.SERIES_CANCELLED
        elif key in changes.cancelled:
            state = NoticeState.CANCELLED
        elif key in changes.skipped:
            state = NoticeState.SKIPPED
        elif occurrence.end <= now or await repo.attended(tx, series_id, key):
            state = NoticeState.HELD
        else:
            state = NoticeState.OPEN
        return meeting, state

    async def refresh(
        self,
        tx: Transaction,
        series_id: int,
        keys: Collection[str] | None = None,
        *,
        dropped: Mapping[str, Meeting] | None = None,
    ) -> int:
        """Queue a re-render of the posted notices of these occurrences (every one of the
        series when ``keys`` is None) that now show something else; returns how many.
        ``dropped`` are dates the series no longer has, with their meeting as it was."""
        dropped = dropped or {}
        queued = 0
        views: dict[str, tuple[Meeting, NoticeState] | None] = {}
        counts: dict[str, dict[str, int]] = {}
        for posted in await repo.notices_of(tx, series_id, keys):
            key = posted.occurrence_key
            if keys is None and key not in dropped and NoticeState(posted.shown).closed:
                continue  # a change to the whole series leaves closed notices as they were
            if key not in views:
                views[key] = (
                    (dropped[key], NoticeState.DROPPED)
                    if key in dropped
                    else await self.view(tx, series_id, key)
                )
            found = views[key]
            if found is None:
                continue
            meeting, state = found
            if NoticeState(posted.shown).closed and posted.shown == state.value:
                continue  # closed: it keeps what it said when it closed
            if key not in counts:
                counts[key] = await repo.rsvp_counts(tx, series_id, key)
            place = place_from_key(posted.place_key)
            role = await member_mention(tx, meeting.series.network_id, posted.place_key)
            shown = notice(
                meeting, counts[key], platform=place.platform, state=state, mention_role=role
            )
            mark = fingerprint(shown)
            new_name = thread_name(meeting) if posted.thread_id else None
            renamed = new_name is not None and new_name != posted.thread_name
            if mark == posted.rendered and not renamed:
                continue
            revision = posted.revision + 1
            if mark != posted.rendered:
                await self._queue_edit(tx, posted, place, shown, revision)
                queued += 1
            if renamed and posted.thread_id is not None and new_name is not None:
                prefix = f"meeting:{series_id}:{key}:thread:{posted.place_key}:"
                await self.outbox.skip_pending(tx, prefix, SUPERSEDED)
                await self.outbox.enqueue_rename(
                    tx,
                    key=f"{prefix}{revision}",
                    thread=PlaceRef(platform=place.platform, id=posted.thread_id),
                    name=new_name,
                )
                await repo.set_notice_thread(
                    tx, posted, thread_id=posted.thread_id, thread_name=new_name
                )
            await repo.set_notice_shown(
                tx, posted, shown=state.value, rendered=mark, revision=revision
            )
        return queued

    async def _queue_edit(
        self, tx: Transaction, posted: PostedNotice, place: PlaceRef, shown: Reply, revision: int
    ) -> None:
        prefix = f"meeting:{posted.series_id}:{posted.occurrence_key}:notice:{posted.place_key}:"
        await self.outbox.skip_pending(tx, prefix, SUPERSEDED)
        await self.outbox.enqueue_edit(
            tx,
            key=f"{prefix}{revision}",
            message=MessageRef(place=place, id=posted.message_id),
            new=shown,
        )

    async def withdraw(self, tx: Transaction, series_id: int, key: str) -> None:
        """The notice of a date the series no longer has, or of a meeting that will not take
        place, is not posted if it has not gone out yet; edits still waiting for a notice
        that moved to another date are withdrawn (they carry the old date in their key)."""
        for kind in ("announce", "notice", "thread"):
            await self.outbox.skip_pending(
                tx, f"meeting:{series_id}:{key}:{kind}:", "the meeting changed before it went out"
            )

    async def delivered(self, tx: Transaction, key: str, sent: MessageRef, message: Reply) -> None:
        """The outbox's delivered hook: a notice went out, so remember where, and bring it up
        to date at once if its meeting changed while it was on its way."""
        parsed = parse_announce_key(key)
        if parsed is None:
            return
        series_id, occurrence_key, _ = parsed
        recorded = await repo.record_notice(
            tx,
            series_id,
            occurrence_key,
            sent.place.key,
            sent.id,
            rendered=fingerprint(message),
            now=self.clock.now(),
        )
        if recorded:
            await self.refresh(tx, series_id, [occurrence_key])
