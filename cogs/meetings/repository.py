"""SQL for meeting series, occurrence changes, answers, attendance, agenda items, minutes and
settings. Every write runs in the caller's transaction."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.audit import DELETED_PERSON
from bot.clock import from_db, to_db
from bot.privacy import move_rows
from bot.storage import Row, Transaction
from cogs.meetings.models import (
    AgendaItem,
    Answer,
    AttendanceRecord,
    MeetingSettings,
    Minutes,
    OccurrenceChange,
    Plan,
    PostedNotice,
    Rsvp,
    Series,
    SeriesChanges,
    offsets_from_db,
    offsets_to_db,
)
from cogs.meetings.schedule import SeriesRule

# ---- series ---------------------------------------------------------------------------------


def _series(row: Row) -> Series:
    nth = row["nth"]
    rule = SeriesRule(
        first_date=date.fromisoformat(row["first_date"]),
        start_time=time.fromisoformat(row["start_time"]),
        duration=timedelta(minutes=int(row["duration_minutes"])),
        timezone=str(row["timezone"]),
        interval_months=int(row["interval_months"]),
        nth_weekday=None if nth is None else (int(row["weekday"]), int(nth)),
        until=date.fromisoformat(row["until_date"]) if row["until_date"] else None,
    )
    return Series(
        id=int(row["id"]),
        network_id=int(row["network_id"]),
        name=str(row["name"]),
        rule=rule,
        location=row["location"],
        link=row["link"],
        agenda=row["agenda"],
        recorded=bool(row["recorded"]),
        created_by=str(row["created_by"]),
        created_at=from_db(row["created_at"]),
        cancelled_at=from_db(row["cancelled_at"]) if row["cancelled_at"] else None,
    )


def _rule_columns(rule: SeriesRule) -> dict[str, Any]:
    weekday, nth = rule.nth_weekday if rule.nth_weekday else (None, None)
    return {
        "first_date": rule.first_date.isoformat(),
        "start_time": rule.start_time.strftime("%H:%M"),
        "duration_minutes": int(rule.duration.total_seconds() // 60),
        "timezone": rule.timezone,
        "interval_months": rule.interval_months,
        "nth": nth,
        "weekday": weekday,
        "until_date": rule.until.isoformat() if rule.until else None,
    }


async def insert_series(
    tx: Transaction,
    *,
    network_id: int,
    name: str,
    rule: SeriesRule,
    location: str | None,
    link: str | None,
    agenda: str | None,
    recorded: bool,
    created_by: str,
    now: datetime,
) -> int:
    columns = _rule_columns(rule)
    return await tx.insert(
        """INSERT INTO meeting_series
               (network_id, name, first_date, start_time, duration_minutes, timezone,
                interval_months, nth, weekday, until_date, location, link, agenda, recorded,
                created_by, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            network_id,
            name,
            columns["first_date"],
            columns["start_time"],
            columns["duration_minutes"],
            columns["timezone"],
            columns["interval_months"],
            columns["nth"],
            columns["weekday"],
            columns["until_date"],
            location,
            link,
            agenda,
            int(recorded),
            created_by,
            to_db(now),
            to_db(now),
        ),
    )


async def update_series(
    tx: Transaction,
    series_id: int,
    *,
    name: str,
    rule: SeriesRule,
    location: str | None,
    link: str | None,
    agenda: str | None,
    recorded: bool,
    now: datetime,
) -> int:
    columns = _rule_columns(rule)
    return await tx.execute(
        """UPDATE meeting_series SET name = ?, first_date = ?, start_time = ?,
               duration_minutes = ?, timezone = ?, interval_months = ?, nth = ?, weekday = ?,
               until_date = ?, location = ?, link = ?, agenda = ?, recorded = ?, updated_at = ?
           WHERE id = ? AND cancelled_at IS NULL""",
        (
            name,
            columns["first_date"],
            columns["start_time"],
            columns["duration_minutes"],
            columns["timezone"],
            columns["interval_months"],
            columns["nth"],
            columns["weekday"],
            columns["until_date"],
            location,
            link,
            agenda,
            int(recorded),
            to_db(now),
            series_id,
        ),
    )


async def cancel_series(tx: Transaction, series_id: int, *, by: str, now: datetime) -> int:
    return await tx.execute(
        """UPDATE meeting_series SET cancelled_at = ?, cancelled_by = ?, updated_at = ?
           WHERE id = ? AND cancelled_at IS NULL""",
        (to_db(now), by, to_db(now), series_id),
    )


async def identical_series(
    tx: Transaction, network_id: int, first_date: date, start_time: time
) -> Series | None:
    """An active series of the network that starts on the same date at the same time."""
    row = await tx.fetch_one(
        """SELECT * FROM meeting_series
           WHERE network_id = ? AND first_date = ? AND start_time = ? AND cancelled_at IS NULL
           ORDER BY id LIMIT 1""",
        (network_id, first_date.isoformat(), start_time.strftime("%H:%M")),
    )
    return _series(row) if row else None


async def next_revision(tx: Transaction, series_id: int) -> int:
    """Count one more change to the series (or one of its meetings); returns the new count,
    for the keys of what the change causes."""
    await tx.execute("UPDATE meeting_series SET revision = revision + 1 WHERE id = ?", (series_id,))
    return int(
        await tx.fetch_value("SELECT revision FROM meeting_series WHERE id = ?", (series_id,))
    )


async def series_by_id(tx: Transaction, series_id: int) -> Series | None:
    row = await tx.fetch_one("SELECT * FROM meeting_series WHERE id = ?", (series_id,))
    return _series(row) if row else None


async def active_series(tx: Transaction, network_id: int | None = None) -> list[Series]:
    """Active series (of one network, or of every active network), oldest first."""
    rows = await tx.fetch_all(
        """SELECT s.* FROM meeting_series s JOIN networks n ON n.id = s.network_id
           WHERE s.cancelled_at IS NULL AND n.archived_at IS NULL
             AND (? IS NULL OR s.network_id = ?)
           ORDER BY s.id""",
        (network_id, network_id),
    )
    return [_series(r) for r in rows]


async def series_of_network(tx: Transaction, network_id: int) -> list[Series]:
    """Every series of the network, cancelled ones too (a calendar feed keeps their past)."""
    rows = await tx.fetch_all(
        "SELECT * FROM meeting_series WHERE network_id = ? ORDER BY id", (network_id,)
    )
    return [_series(r) for r in rows]


async def series_by_ids(tx: Transaction, series_ids: Collection[int]) -> list[Series]:
    if not series_ids:
        return []
    marks = ",".join("?" * len(series_ids))
    rows = await tx.fetch_all(
        f"SELECT * FROM meeting_series WHERE id IN ({marks}) ORDER BY id", tuple(series_ids)
    )
    return [_series(r) for r in rows]


# ---- occurrence changes ---------------------------------------------------------------------


def _change(row: Row) -> OccurrenceChange:
    return OccurrenceChange(
        key=str(row["occurrence_key"]),
        skipped=bool(row["skipped"]),
        cancelled=bool(row["cancelled"]),
        start=from_db(row["start_at"]) if row["start_at"] else None,
        duration=(
            timedelta(minutes=int(row["duration_minutes"]))
            if row["duration_minutes"] is not None
            else None
        ),
        location=row["location"],
        link=row["link"],
        agenda=row["agenda"],
    )


async def changes_of(tx: Transaction, series_id: int) -> SeriesChanges:
    rows = await tx.fetch_all("SELECT * FROM occurrence_changes WHERE series_id = ?", (series_id,))
    changes = [_change(r) for r in rows]
    overrides = {c.key: o for c in changes if (o := c.override) is not None}
    return SeriesChanges(
        skipped=frozenset(c.key for c in changes if c.skipped),
        cancelled=frozenset(c.key for c in changes if c.cancelled),
        overrides=overrides,
    )


async def change_of(tx: Transaction, series_id: int, key: str) -> OccurrenceChange | None:
    row = await tx.fetch_one(
        "SELECT * FROM occurrence_changes WHERE series_id = ? AND occurrence_key = ?",
        (series_id, key),
    )
    return _change(row) if row else None


async def revisions_of(
    tx: Transaction, series_id: int
) -> tuple[datetime, datetime, dict[str, datetime]]:
    """When the series was created and last changed, and when each changed occurrence was:
    what the calendar files count SEQUENCE from."""
    row = await tx.fetch_one(
        "SELECT created_at, updated_at FROM meeting_series WHERE id = ?", (series_id,)
    )
    if row is None:
        raise LookupError(f"no meeting series {series_id}")
    rows = await tx.fetch_all(
        "SELECT occurrence_key, changed_at FROM occurrence_changes WHERE series_id = ?",
        (series_id,),
    )
    return (
        from_db(row["created_at"]),
        from_db(row["updated_at"]),
        {str(r["occurrence_key"]): from_db(r["changed_at"]) for r in rows},
    )


async def skip_occurrence(
    tx: Transaction, series_id: int, key: str, *, cancelled: bool, by: str, now: datetime
) -> None:
    await tx.execute(
        """INSERT INTO occurrence_changes
               (series_id, occurrence_key, skipped, cancelled, changed_by, changed_at)
           VALUES (?, ?, 1, ?, ?, ?)
           ON CONFLICT (series_id, occurrence_key) DO UPDATE SET
               skipped = 1, cancelled = excluded.cancelled, changed_by = excluded.changed_by,
               changed_at = excluded.changed_at""",
        (series_id, key, int(cancelled), by, to_db(now)),
    )


async def set_override(
    tx: Transaction, series_id: int, change: OccurrenceChange, *, by: str, now: datetime
) -> None:
    await tx.execute(
        """INSERT INTO occurrence_changes
               (series_id, occurrence_key, skipped, cancelled, start_at, duration_minutes,
                location, link, agenda, changed_by, changed_at)
           VALUES (?, ?, 0, 0, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (series_id, occurrence_key) DO UPDATE SET
               start_at = excluded.start_at, duration_minutes = excluded.duration_minutes,
               location = excluded.location, link = excluded.link, agenda = excluded.agenda,
               changed_by = excluded.changed_by, changed_at = excluded.changed_at""",
        (
            series_id,
            change.key,
            to_db(change.start) if change.start else None,
            int(change.duration.total_seconds() // 60) if change.duration else None,
            change.location,
            change.link,
            change.agenda,
            by,
            to_db(now),
        ),
    )


# ---- answers --------------------------------------------------------------------------------


async def set_rsvp(
    tx: Transaction, series_id: int, key: str, user_key: str, answer: Answer, now: datetime
) -> None:
    """An answer replaces any earlier one (and an Interested on the event). The same answer
    again keeps its time, so pressing Going twice keeps a place in the waitlist's order."""
    await tx.execute(
        """INSERT INTO rsvps (series_id, occurrence_key, user_key, answer, answered_at, source)
           VALUES (?, ?, ?, ?, ?, 'answer')
           ON CONFLICT (series_id, occurrence_key, user_key) DO UPDATE SET
               answered_at = CASE WHEN rsvps.answer = excluded.answer THEN rsvps.answered_at
                                  ELSE excluded.answered_at END,
               mode = CASE WHEN excluded.answer = 'no' THEN NULL ELSE rsvps.mode END,
               access_needs = CASE WHEN excluded.answer = 'no' THEN NULL
                                   ELSE rsvps.access_needs END,
               answer = excluded.answer, source = 'answer'""",
        (series_id, key, user_key, answer.value, to_db(now)),
    )


async def add_interest(
    tx: Transaction, series_id: int, key: str, user_key: str, now: datetime
) -> bool:
    """Interested on the meeting's event counts as Maybe, unless the person answered."""
    return (
        await tx.execute(
            """INSERT OR IGNORE INTO rsvps
                   (series_id, occurrence_key, user_key, answer, answered_at, source)
               VALUES (?, ?, ?, 'maybe', ?, 'event')""",
            (series_id, key, user_key, to_db(now)),
        )
        == 1
    )


async def drop_interest(tx: Transaction, series_id: int, key: str, user_key: str) -> bool:
    """Interested taken back: only a Maybe that came from it goes; an answer stays."""
    return (
        await tx.execute(
            """DELETE FROM rsvps WHERE series_id = ? AND occurrence_key = ? AND user_key = ?
                   AND source = 'event'""",
            (series_id, key, user_key),
        )
        == 1
    )


async def interested_of(tx: Transaction, series_id: int, key: str) -> set[str]:
    """Who counts as Maybe only because they pressed Interested on the event."""
    rows = await tx.fetch_all(
        """SELECT user_key FROM rsvps WHERE series_id = ? AND occurrence_key = ?
               AND source = 'event'""",
        (series_id, key),
    )
    return {str(r["user_key"]) for r in rows}


async def capacity_of(tx: Transaction, series_id: int, key: str) -> int | None:
    value = await tx.fetch_value(
        "SELECT places FROM meeting_capacity WHERE series_id = ? AND occurrence_key = ?",
        (series_id, key),
    )
    return None if value is None else int(value)


async def set_capacity(tx: Transaction, series_id: int, key: str, places: int | None) -> None:
    if places is None:
        await tx.execute(
            "DELETE FROM meeting_capacity WHERE series_id = ? AND occurrence_key = ?",
            (series_id, key),
        )
        return
    await tx.execute(
        """INSERT INTO meeting_capacity (series_id, occurrence_key, places) VALUES (?, ?, ?)
           ON CONFLICT (series_id, occurrence_key) DO UPDATE SET places = excluded.places""",
        (series_id, key, places),
    )


async def going_in_order(tx: Transaction, series_id: int, key: str) -> list[Rsvp]:
    """Going answers in the order given: the first ``capacity`` have a place."""
    rows = await tx.fetch_all(
        """SELECT user_key, answer, answered_at FROM rsvps
           WHERE series_id = ? AND occurrence_key = ? AND answer = 'going'
           ORDER BY answered_at, user_key""",
        (series_id, key),
    )
    return [Rsvp(str(r["user_key"]), Answer(r["answer"]), from_db(r["answered_at"])) for r in rows]


async def rsvps_of(tx: Transaction, series_id: int, key: str) -> list[Rsvp]:
    rows = await tx.fetch_all(
        """SELECT user_key, answer, answered_at, mode, access_needs FROM rsvps
           WHERE series_id = ? AND occurrence_key = ? ORDER BY answered_at, user_key""",
        (series_id, key),
    )
    return [
        Rsvp(
            str(r["user_key"]),
            Answer(r["answer"]),
            from_db(r["answered_at"]),
            mode=r["mode"],
            access_needs=r["access_needs"],
        )
        for r in rows
    ]


async def set_how(
    tx: Transaction,
    series_id: int,
    key: str,
    user_key: str,
    *,
    mode: str | None,
    access_needs: str | None,
    clear_access: bool = False,
) -> bool:
    """How a person who said Going or Maybe comes, and their access needs (None keeps what
    is there, unless ``clear_access``); False when they have no such answer."""
    return (
        await tx.execute(
            """UPDATE rsvps SET mode = COALESCE(?, mode),
                   access_needs = CASE WHEN ? THEN NULL ELSE COALESCE(?, access_needs) END
               WHERE series_id = ? AND occurrence_key = ? AND user_key = ?
                 AND answer IN ('going', 'maybe')""",
            (mode, int(clear_access), access_needs, series_id, key, user_key),
        )
        == 1
    )


async def rsvp_counts(tx: Transaction, series_id: int, key: str) -> dict[str, int]:
    """How many answered going, maybe and no: counted by SQLite, so answering a meeting many
    people answered does not read every answer."""
    counts = {answer.value: 0 for answer in Answer}
    rows = await tx.fetch_all(
        """SELECT answer, COUNT(*) AS n FROM rsvps
           WHERE series_id = ? AND occurrence_key = ? GROUP BY answer""",
        (series_id, key),
    )
    for row in rows:
        counts[Answer(row["answer"]).value] = int(row["n"])
    places = await capacity_of(tx, series_id, key)
    if places is not None:  # a meeting with a capacity: its notice says when it is full
        counts["places"] = places
    return counts


async def rsvp_of(tx: Transaction, series_id: int, key: str, user_key: str) -> Answer | None:
    value = await tx.fetch_value(
        "SELECT answer FROM rsvps WHERE series_id = ? AND occurrence_key = ? AND user_key = ?",
        (series_id, key, user_key),
    )
    return None if value is None else Answer(value)


async def rsvp_keys_of_series(tx: Transaction, series_id: int, after_key: str) -> list[str]:
    """Occurrence keys of this series, from ``after_key`` on, that someone answered."""
    rows = await tx.fetch_all(
        """SELECT DISTINCT occurrence_key FROM rsvps
           WHERE series_id = ? AND occurrence_key >= ? AND answer IN ('going', 'maybe')
           ORDER BY occurrence_key""",
        (series_id, after_key),
    )
    return [str(r["occurrence_key"]) for r in rows]


async def carry_occurrence(tx: Transaction, series_id: int, old_key: str, new_key: str) -> None:
    """The series' dates changed and the meeting of ``old_key`` is now the one of ``new_key``
    (the same month): its answers, suggested agenda items, own details and posted notices go
    with it. An answer already given for the new date wins."""
    for table in (
        "rsvps",
        "occurrence_changes",
        "meeting_notices",
        "meeting_capacity",
        "meeting_plans",
    ):
        await tx.execute(
            f"UPDATE OR IGNORE {table} SET occurrence_key = ? "
            "WHERE series_id = ? AND occurrence_key = ?",
            (new_key, series_id, old_key),
        )
        await tx.execute(
            f"DELETE FROM {table} WHERE series_id = ? AND occurrence_key = ?",
            (series_id, old_key),
        )
    await tx.execute(
        "UPDATE agenda_items SET occurrence_key = ? WHERE series_id = ? AND occurrence_key = ?",
        (new_key, series_id, old_key),
    )


# ---- posted notices -------------------------------------------------------------------------


def _notice(row: Row) -> PostedNotice:
    return PostedNotice(
        series_id=int(row["series_id"]),
        occurrence_key=str(row["occurrence_key"]),
        place_key=str(row["place_key"]),
        message_id=str(row["message_id"]),
        shown=str(row["shown"]),
        rendered=str(row["rendered"]),
        revision=int(row["revision"]),
        thread_id=row["thread_id"],
        thread_name=row["thread_name"],
    )


async def record_notice(
    tx: Transaction,
    series_id: int,
    key: str,
    place_key: str,
    message_id: str,
    *,
    rendered: str,
    now: datetime,
) -> bool:
    """Remember a notice once it is posted; False if it was already known."""
    changed = await tx.execute(
        """INSERT OR IGNORE INTO meeting_notices
               (series_id, occurrence_key, place_key, message_id, rendered, posted_at)
           SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM meeting_series WHERE id = ?)""",
        (series_id, key, place_key, message_id, rendered, to_db(now), series_id),
    )
    return changed == 1


async def notices_of(
    tx: Transaction, series_id: int, keys: Collection[str] | None = None
) -> list[PostedNotice]:
    """The posted notices of the series (of those occurrences, when ``keys`` is given)."""
    if keys is not None and not keys:
        return []
    sql = "SELECT * FROM meeting_notices WHERE series_id = ?"
    params: list[Any] = [series_id]
    if keys is not None:
        sql += f" AND occurrence_key IN ({','.join('?' for _ in keys)})"
        params += list(keys)
    rows = await tx.fetch_all(sql + " ORDER BY occurrence_key, place_key", params)
    return [_notice(r) for r in rows]


async def notice_posted(tx: Transaction, series_id: int, key: str, place_key: str) -> bool:
    value = await tx.fetch_value(
        """SELECT 1 FROM meeting_notices
           WHERE series_id = ? AND occurrence_key = ? AND place_key = ?""",
        (series_id, key, place_key),
    )
    return value is not None


async def open_notices(tx: Transaction) -> list[tuple[int, str]]:
    """(series, occurrence) of every notice still open, for the jobs that close them."""
    rows = await tx.fetch_all(
        """SELECT DISTINCT n.series_id, n.occurrence_key FROM meeting_notices n
           JOIN meeting_series s ON s.id = n.series_id
           WHERE n.shown = 'open' AND s.cancelled_at IS NULL
           ORDER BY n.series_id, n.occurrence_key"""
    )
    return [(int(r["series_id"]), str(r["occurrence_key"])) for r in rows]


async def set_notice_shown(
    tx: Transaction, notice: PostedNotice, *, shown: str, rendered: str, revision: int
) -> None:
    await tx.execute(
        """UPDATE meeting_notices SET shown = ?, rendered = ?, revision = ?
           WHERE series_id = ? AND occurrence_key = ? AND place_key = ?""",
        (shown, rendered, revision, notice.series_id, notice.occurrence_key, notice.place_key),
    )


async def set_notice_thread(
    tx: Transaction, notice: PostedNotice, *, thread_id: str, thread_name: str
) -> None:
    await tx.execute(
        """UPDATE meeting_notices SET thread_id = ?, thread_name = ?
           WHERE series_id = ? AND occurrence_key = ? AND place_key = ?""",
        (thread_id, thread_name, notice.series_id, notice.occurrence_key, notice.place_key),
    )


# ---- attendance -----------------------------------------------------------------------------


async def set_attendance(
    tx: Transaction,
    series_id: int,
    key: str,
    user_key: str,
    *,
    started_at: datetime,
    hours: float,
    by: str,
    now: datetime,
) -> None:
    await tx.execute(
        """INSERT INTO attendance
               (series_id, occurrence_key, user_key, started_at, hours, marked_by, marked_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (series_id, occurrence_key, user_key) DO UPDATE SET
               started_at = excluded.started_at, hours = excluded.hours,
               marked_by = excluded.marked_by, marked_at = excluded.marked_at""",
        (series_id, key, user_key, to_db(started_at), hours, by, to_db(now)),
    )


async def delete_attendance(
    tx: Transaction, series_id: int, key: str, user_keys: Collection[str]
) -> list[str]:
    """Unmark people as having attended; returns those who had been marked."""
    removed = []
    for user_key in sorted(set(user_keys)):
        if await tx.execute(
            "DELETE FROM attendance WHERE series_id = ? AND occurrence_key = ? AND user_key = ?",
            (series_id, key, user_key),
        ):
            removed.append(user_key)
    return removed


async def attended(tx: Transaction, series_id: int, key: str) -> bool:
    """Whether anyone is marked as having attended: the meeting was held."""
    value = await tx.fetch_value(
        "SELECT 1 FROM attendance WHERE series_id = ? AND occurrence_key = ? LIMIT 1",
        (series_id, key),
    )
    return value is not None


async def attendees_of(tx: Transaction, series_id: int, key: str) -> list[tuple[str, float]]:
    rows = await tx.fetch_all(
        """SELECT user_key, hours FROM attendance WHERE series_id = ? AND occurrence_key = ?
           ORDER BY user_key""",
        (series_id, key),
    )
    return [(str(r["user_key"]), float(r["hours"])) for r in rows]


async def attendance_of(
    tx: Transaction, user_key: str, network_id: int | None = None
) -> list[AttendanceRecord]:
    rows = await tx.fetch_all(
        """SELECT a.series_id, a.occurrence_key, a.started_at, a.hours, s.name AS meeting,
                  s.timezone, n.name AS network, p.topic, p.facilitator
           FROM attendance a
           JOIN meeting_series s ON s.id = a.series_id
           JOIN networks n ON n.id = s.network_id
           LEFT JOIN meeting_plans p
             ON p.series_id = a.series_id AND p.occurrence_key = a.occurrence_key
           WHERE a.user_key = ? AND (? IS NULL OR s.network_id = ?)
           ORDER BY a.started_at, a.series_id""",
        (user_key, network_id, network_id),
    )
    return [
        AttendanceRecord(
            day=from_db(r["started_at"]).astimezone(ZoneInfo(str(r["timezone"]))).date(),
            network_name=str(r["network"]),
            meeting_name=str(r["meeting"]),
            hours=float(r["hours"]),
            series_id=int(r["series_id"]),
            occurrence_key=str(r["occurrence_key"]),
            topic=r["topic"],
            facilitator=r["facilitator"],
        )
        for r in rows
    ]


async def attendance_by_meeting(
    tx: Transaction, network_id: int
) -> list[tuple[date, str, str | None, int, float]]:
    """Per meeting of the network with attendance: (local date, series name, topic, people,
    hours in all), oldest first."""
    rows = await tx.fetch_all(
        """SELECT a.series_id, a.occurrence_key, MIN(a.started_at) AS started_at,
                  COUNT(*) AS people, SUM(a.hours) AS hours, s.name, s.timezone, p.topic
           FROM attendance a
           JOIN meeting_series s ON s.id = a.series_id
           LEFT JOIN meeting_plans p
             ON p.series_id = a.series_id AND p.occurrence_key = a.occurrence_key
           WHERE s.network_id = ?
           GROUP BY a.series_id, a.occurrence_key
           ORDER BY started_at, a.series_id""",
        (network_id,),
    )
    return [
        (
            from_db(r["started_at"]).astimezone(ZoneInfo(str(r["timezone"]))).date(),
            str(r["name"]),
            r["topic"],
            int(r["people"]),
            float(r["hours"]),
        )
        for r in rows
    ]


# ---- one meeting's own plan -----------------------------------------------------------------


async def plan_of(tx: Transaction, series_id: int, key: str) -> Plan:
    row = await tx.fetch_one(
        """SELECT topic, facilitator, agenda FROM meeting_plans
           WHERE series_id = ? AND occurrence_key = ?""",
        (series_id, key),
    )
    if row is None:
        return Plan()
    return Plan(topic=row["topic"], facilitator=row["facilitator"], agenda=row["agenda"])


async def topics_of(tx: Transaction, series_id: int) -> dict[str, tuple[str, datetime]]:
    """Each meeting's own topic and when it was set, by key (meetings with one only)."""
    rows = await tx.fetch_all(
        """SELECT occurrence_key, topic, planned_at FROM meeting_plans
           WHERE series_id = ? AND topic IS NOT NULL AND topic != ''""",
        (series_id,),
    )
    return {str(r["occurrence_key"]): (str(r["topic"]), from_db(r["planned_at"])) for r in rows}


async def set_plan(
    tx: Transaction, series_id: int, key: str, plan: Plan, *, by: str, now: datetime
) -> None:
    if plan.empty:
        await tx.execute(
            "DELETE FROM meeting_plans WHERE series_id = ? AND occurrence_key = ?",
            (series_id, key),
        )
        return
    await tx.execute(
        """INSERT INTO meeting_plans
               (series_id, occurrence_key, topic, facilitator, agenda, planned_by, planned_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (series_id, occurrence_key) DO UPDATE SET
               topic = excluded.topic, facilitator = excluded.facilitator,
               agenda = excluded.agenda, planned_by = excluded.planned_by,
               planned_at = excluded.planned_at""",
        (series_id, key, plan.topic, plan.facilitator, plan.agenda, by, to_db(now)),
    )


# ---- agenda and minutes ---------------------------------------------------------------------


async def add_agenda_item(
    tx: Transaction,
    series_id: int,
    key: str,
    user_key: str,
    text: str,
    now: datetime,
    *,
    anonymous: bool = False,
) -> int:
    return await tx.insert(
        """INSERT INTO agenda_items (series_id, occurrence_key, user_key, text, added_at, anonymous)
           VALUES (?, ?, ?, ?, ?, ?)""",
        (series_id, key, user_key, text, to_db(now), int(anonymous)),
    )


async def agenda_items_of(tx: Transaction, series_id: int, key: str) -> list[AgendaItem]:
    rows = await tx.fetch_all(
        """SELECT id, user_key, text, added_at, anonymous FROM agenda_items
           WHERE series_id = ? AND occurrence_key = ? ORDER BY id""",
        (series_id, key),
    )
    return [
        AgendaItem(
            int(r["id"]),
            str(r["user_key"]),
            str(r["text"]),
            from_db(r["added_at"]),
            anonymous=bool(r["anonymous"]),
        )
        for r in rows
    ]


async def set_minutes(
    tx: Transaction, series_id: int, key: str, text: str, by: str, now: datetime
) -> None:
    await tx.execute(
        """INSERT INTO minutes (series_id, occurrence_key, text, recorded_by, recorded_at)
           VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (series_id, occurrence_key) DO UPDATE SET
               text = excluded.text, recorded_by = excluded.recorded_by,
               recorded_at = excluded.recorded_at""",
        (series_id, key, text, by, to_db(now)),
    )


async def minutes_of(tx: Transaction, series_id: int, key: str) -> Minutes | None:
    row = await tx.fetch_one(
        "SELECT * FROM minutes WHERE series_id = ? AND occurrence_key = ?", (series_id, key)
    )
    if row is None:
        return None
    return Minutes(str(row["text"]), str(row["recorded_by"]), from_db(row["recorded_at"]))


# ---- settings and reminders -----------------------------------------------------------------


async def settings_of(tx: Transaction, network_id: int) -> MeetingSettings:
    row = await tx.fetch_one("SELECT * FROM meeting_settings WHERE network_id = ?", (network_id,))
    if row is None:
        return MeetingSettings(network_id)
    return MeetingSettings(
        network_id,
        announce_days=int(row["announce_days"]),
        reminder_offsets=offsets_from_db(str(row["reminder_offsets_minutes"])),
        mention_members=bool(row["mention_members"]),
        native_events=bool(row["native_events"]),
    )


async def set_settings(tx: Transaction, settings: MeetingSettings) -> None:
    await tx.execute(
        """INSERT INTO meeting_settings (network_id, announce_days, reminder_offsets_minutes,
                                         mention_members, native_events)
           VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (network_id) DO UPDATE SET
               announce_days = excluded.announce_days,
               reminder_offsets_minutes = excluded.reminder_offsets_minutes,
               mention_members = excluded.mention_members,
               native_events = excluded.native_events""",
        (
            settings.network_id,
            settings.announce_days,
            offsets_to_db(settings.reminder_offsets),
            int(settings.mention_members),
            int(settings.native_events),
        ),
    )


async def reminders_off(tx: Transaction, user_key: str) -> bool:
    value = await tx.fetch_value("SELECT 1 FROM reminder_optouts WHERE user_key = ?", (user_key,))
    return value is not None


async def set_reminders(tx: Transaction, user_key: str, *, on: bool, now: datetime) -> int:
    if on:
        return await tx.execute("DELETE FROM reminder_optouts WHERE user_key = ?", (user_key,))
    return await tx.execute(
        "INSERT OR IGNORE INTO reminder_optouts (user_key, since) VALUES (?, ?)",
        (user_key, to_db(now)),
    )


# ---- privacy --------------------------------------------------------------------------------


async def export_person(tx: Transaction, user_key: str) -> dict[str, Any]:
    rsvps = await tx.fetch_all(
        """SELECT r.series_id, s.name AS meeting, r.occurrence_key, r.answer, r.answered_at,
                  r.source, r.mode, r.access_needs
           FROM rsvps r JOIN meeting_series s ON s.id = r.series_id
           WHERE r.user_key = ? ORDER BY r.answered_at""",
        (user_key,),
    )
    attendance = await tx.fetch_all(
        """SELECT a.series_id, s.name AS meeting, n.name AS network, a.occurrence_key,
                  a.started_at, a.hours, a.marked_at
           FROM attendance a JOIN meeting_series s ON s.id = a.series_id
           JOIN networks n ON n.id = s.network_id
           WHERE a.user_key = ? ORDER BY a.started_at""",
        (user_key,),
    )
    agenda = await tx.fetch_all(
        """SELECT series_id, occurrence_key, text, added_at, anonymous FROM agenda_items
           WHERE user_key = ? ORDER BY id""",
        (user_key,),
    )
    optout = await tx.fetch_value(
        "SELECT since FROM reminder_optouts WHERE user_key = ?", (user_key,)
    )
    return {
        "answers": [dict(r) for r in rsvps],
        "attendance": [dict(r) for r in attendance],
        "agenda_items": [dict(r) for r in agenda],
        "reminders_off_since": optout,
    }


async def move_person(tx: Transaction, old_key: str, new_key: str) -> int:
    """Linking two accounts: answers, attendance, agenda items and the reminder choice move
    to the main account (its own answer wins where both answered the same meeting)."""
    moved = 0
    for table in ("rsvps", "attendance", "agenda_items", "reminder_optouts"):
        moved += await move_rows(tx, table, "user_key", old_key, new_key)
    for sql in (
        "UPDATE minutes SET recorded_by = ? WHERE recorded_by = ?",
        "UPDATE meeting_series SET created_by = ? WHERE created_by = ?",
        "UPDATE meeting_series SET cancelled_by = ? WHERE cancelled_by = ?",
        "UPDATE occurrence_changes SET changed_by = ? WHERE changed_by = ?",
        "UPDATE attendance SET marked_by = ? WHERE marked_by = ?",
        "UPDATE meeting_plans SET planned_by = ? WHERE planned_by = ?",
    ):
        moved += await tx.execute(sql, (new_key, old_key))
    return moved


async def delete_person(tx: Transaction, user_key: str) -> int:
    """Delete a person's answers, attendance, agenda items and reminder choice. Series and
    minutes they wrote stay (the network's record) but no longer name them."""
    removed = 0
    for table in ("rsvps", "attendance", "agenda_items", "reminder_optouts"):
        removed += await tx.execute(f"DELETE FROM {table} WHERE user_key = ?", (user_key,))
    for sql in (
        "UPDATE minutes SET recorded_by = ? WHERE recorded_by = ?",
        "UPDATE meeting_series SET created_by = ? WHERE created_by = ?",
        "UPDATE meeting_series SET cancelled_by = ? WHERE cancelled_by = ?",
        "UPDATE occurrence_changes SET changed_by = ? WHERE changed_by = ?",
        "UPDATE attendance SET marked_by = ? WHERE marked_by = ?",
        "UPDATE meeting_plans SET planned_by = ? WHERE planned_by = ?",
    ):
        removed += await tx.execute(sql, (DELETED_PERSON, user_key))
    return removed


async def answered_by(tx: Transaction, user_key: str, network_id: int) -> list[tuple[int, str]]:
    """(series, occurrence key) of every answer the person gave in the network's series."""
    rows = await tx.fetch_all(
        """SELECT r.series_id, r.occurrence_key FROM rsvps r
           JOIN meeting_series s ON s.id = r.series_id
           WHERE r.user_key = ? AND s.network_id = ? ORDER BY r.series_id, r.occurrence_key""",
        (user_key, network_id),
    )
    return [(int(r["series_id"]), str(r["occurrence_key"])) for r in rows]


async def answered_anywhere(tx: Transaction, user_key: str) -> list[tuple[int, str]]:
    """(series, occurrence key) of every answer the person gave."""
    rows = await tx.fetch_all(
        """SELECT series_id, occurrence_key FROM rsvps WHERE user_key = ?
           ORDER BY series_id, occurrence_key""",
        (user_key,),
    )
    return [(int(r["series_id"]), str(r["occurrence_key"])) for r in rows]


async def delete_rsvp(tx: Transaction, series_id: int, key: str, user_key: str) -> int:
    return await tx.execute(
        "DELETE FROM rsvps WHERE series_id = ? AND occurrence_key = ? AND user_key = ?",
        (series_id, key, user_key),
    )
