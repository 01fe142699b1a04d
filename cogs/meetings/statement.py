"""A member's professional development (PD) statement, as text, CSV and a printable HTML page,
and a coordinator's attendance report: per meeting and per year. Hours are written as people
say them ("1 hour", "1.5 hours")."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from cogs.meetings.models import AttendanceRecord, hours_text


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def statement_lines(records: Sequence[AttendanceRecord]) -> list[str]:
    lines = ["Your professional development (PD) statement: the meetings you attended."]
    for r in records:
        line = f"- {long_date(r.day)}: {r.network_name}, {r.meeting_name}"
        if r.topic:
            line += f", topic: {r.topic}"
        if r.facilitator:
            line += f", facilitator: {r.facilitator}"
        lines.append(f"{line}, {hours_text(r.hours)}")
    total = sum(r.hours for r in records)
    lines.append(
        f"Total: {hours_text(total)} at {count(len(records), 'meeting', 'meetings')}. "
        "The CSV file opens in a spreadsheet; the HTML page prints from a web browser."
    )
    return lines


def statement_csv(records: Sequence[AttendanceRecord]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["date", "network", "meeting", "topic", "facilitator", "hours"])
    for r in records:
        writer.writerow(
            [
                r.day.isoformat(),
                r.network_name,
                r.meeting_name,
                r.topic or "",
                r.facilitator or "",
                f"{r.hours:g}",
            ]
        )
    return out.getvalue().encode("utf-8")


def statement_html(records: Sequence[AttendanceRecord], person: str) -> bytes:
    """A page that prints on one sheet: a heading, a table, the total. Everything escaped."""
    rows = "\n".join(
        "<tr>"
        + "".join(
            f"<td>{escape(cell)}</td>"
            for cell in (
                long_date(r.day),
                f"{r.network_name}: {r.meeting_name}",
                r.topic or "",
                r.facilitator or "",
                hours_text(r.hours),
            )
        )
        + "</tr>"
        for r in records
    )
    total = sum(r.hours for r in records)
    page = f"""<!DOCTYPE html>
<html lang="en-AU">
<head>
<meta charset="utf-8">
<title>Professional development statement</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #444; padding: 0.3em 0.5em; text-align: left; }}
@media print {{ body {{ margin: 0; }} }}
</style>
</head>
<body>
<h1>Professional development statement</h1>
<p>{escape(person)}: meetings attended, as recorded by peerbot.</p>
<table>
<thead><tr><th>Date</th><th>Meeting</th><th>Topic</th><th>Facilitator</th><th>Hours</th></tr>
</thead>
<tbody>
{rows}
</tbody>
</table>
<p>Total: {escape(hours_text(total))} at {count(len(records), "meeting", "meetings")}.</p>
</body>
</html>
"""
    return page.encode("utf-8")


@dataclass(frozen=True)
class HeldMeeting:
    """One meeting in a coordinator's attendance report."""

    day: date
    name: str
    topic: str | None
    attended: int
    hours: float  # attended hours, all people together


def report_lines(network_name: str, year: int | None, held: Sequence[HeldMeeting]) -> list[str]:
    span = f"in {year}" if year else "so far"
    lines = [f"Attendance at {network_name}'s meetings {span} (people marked or checked in):"]
    for m in held:
        topic = f" ({m.topic})" if m.topic else ""
        lines.append(
            f"- {long_date(m.day)}: {m.name}{topic}: "
            f"{count(m.attended, 'person', 'people')}, {hours_text(m.hours)} in all"
        )
    by_year: dict[int, list[HeldMeeting]] = {}
    for m in held:
        by_year.setdefault(m.day.year, []).append(m)
    for y, meetings in sorted(by_year.items()):
        people = sum(m.attended for m in meetings)
        hours = sum(m.hours for m in meetings)
        lines.append(
            f"{y}: {count(len(meetings), 'meeting', 'meetings')}, "
            f"{count(people, 'attendance', 'attendances')}, {hours_text(hours)} of "
            "professional development in all."
        )
    return lines


def report_csv(held: Sequence[HeldMeeting]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["date", "meeting", "topic", "attended", "hours"])
    for m in held:
        writer.writerow([m.day.isoformat(), m.name, m.topic or "", m.attended, f"{m.hours:g}"])
    return out.getvalue().encode("utf-8")
