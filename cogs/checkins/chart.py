"""A person's own trend as a small PNG (drawn with Pillow) and alt text that says it in words.

Every answer is drawn on the same 0 to 100 axis where higher is better (see
``scales.score``), so a change of scale does not break the line.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw

from bot.replies import Attachment
from cogs.checkins.models import Answer
from cogs.checkins.schedule import describe_date

WIDTH, HEIGHT = 480, 200
MARGIN = 28
BACKGROUND = (255, 255, 255)
AXIS = (120, 120, 120)
LINE = (40, 90, 160)
LOW = (190, 40, 40)
CHANGE = 10  # points on the 0 to 100 axis that count as a change


def png(answers: Sequence[Answer]) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    left, top, right, bottom = MARGIN, MARGIN // 2, WIDTH - MARGIN // 2, HEIGHT - MARGIN
    draw.line([(left, top), (left, bottom), (right, bottom)], fill=AXIS, width=1)
    for level in (0, 50, 100):
        y = bottom - (bottom - top) * level / 100
        draw.line([(left - 4, y), (left, y)], fill=AXIS)
        draw.text((2, y - 6), str(level), fill=AXIS)
    count = len(answers)
    points = []
    for index, answer in enumerate(answers):
        x = left + (right - left) * (index + 0.5) / max(count, 1)
        y = bottom - (bottom - top) * answer.score / 100
        points.append((x, y, answer.low))
    if len(points) > 1:
        draw.line([(x, y) for x, y, _ in points], fill=LINE, width=2)
    for x, y, low in points:
        draw.ellipse([(x - 4, y - 4), (x + 4, y + 4)], fill=LOW if low else LINE)
    draw.text(
        (left + 4, bottom + 6), "your check-ins, oldest to newest (higher is better)", fill=AXIS
    )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def trend_words(answers: Sequence[Answer]) -> str:
    """The trend in one plain sentence: better, worse or about the same, first half to second."""
    if len(answers) < 2:
        return "There is only one answer so far, so there is no trend yet."
    half = len(answers) // 2
    before = sum(a.score for a in answers[:half]) / half
    after = sum(a.score for a in answers[half:]) / (len(answers) - half)
    if after - before >= CHANGE:
        return "Your more recent answers are better than your earlier ones."
    if before - after >= CHANGE:
        return "Your more recent answers are lower than your earlier ones."
    return "Your answers have stayed about the same."


def alt_text(answers: Sequence[Answer], zone: ZoneInfo) -> str:
    """In words, with the dates as the person lived them (their check-ins' time zone)."""
    first, last = answers[0], answers[-1]
    lows = sum(1 for a in answers if a.low)
    count = f"{len(answers)} check-in answers" if len(answers) != 1 else "1 check-in answer"
    low = "were low answers" if lows != 1 else "was a low answer"
    return (
        f"A line chart of your {count} from "
        f"{_day(first, zone)} to {_day(last, zone)}, on a "
        f"scale from 0 to 100 where higher is better. {trend_words(answers)} The latest answer "
        f"is {last.label}. {lows} of them {low}."
    )[:1000]


def _day(answer: Answer, zone: ZoneInfo) -> str:
    return describe_date(answer.slot_at.astimezone(zone).date())


def chart_attachment(answers: Sequence[Answer], zone: ZoneInfo) -> Attachment:
    return Attachment.from_bytes(
        "checkin-trend.png", png(answers), "image/png", description=alt_text(answers, zone)
    )
