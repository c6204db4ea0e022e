"""Free slots from a teacher's weekly hours, in UTC, correct across daylight-saving changes.

The teacher's hours are wall-clock times in the teacher's zone. Each window's start
and end become UTC instants through zoneinfo; slots are then laid out in UTC, so a
60-minute class is 60 real minutes even on the night the clocks change. A wall time
that does not exist (the spring-forward gap) is moved forward past the gap; an
ambiguous one (the autumn hour that happens twice) takes its first occurrence.
The student's page converts the UTC instants to the student's zone for display.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Rules:
    zone: ZoneInfo
    class_minutes: int
    buffer_minutes: int
    min_notice_hours: int
    max_days_ahead: int


@dataclass(frozen=True, order=True)
class Slot:
    start: datetime  # UTC
    end: datetime  # UTC

    @property
    def key(self) -> str:
        """The value a form posts: the UTC start, to the minute."""
        return self.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def parse_slot_key(value: str) -> datetime | None:
    """The UTC start a form posted, or None when it is not a well-formed slot key."""
    try:
        parsed = datetime.strptime(value.strip(), "%Y-%m-%dT%H:%MZ")
    except (AttributeError, ValueError):
        return None
    return parsed.replace(tzinfo=UTC)


def wall_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time in `zone`.

    PEP 495 with fold=0: a time in the spring-forward gap is read with the offset from
    before the change, so it lands after the gap (01:30 → 02:30 BST); an ambiguous
    autumn time is its first occurrence.
    """
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def windows_for(
    *,
    day: date,
    weekly: Iterable[tuple[int, time, time]],
    exceptions: dict[date, list[tuple[time | None, time | None]]],
) -> list[tuple[time, time]]:
    """The open wall-clock windows of one local date."""
    if day in exceptions:
        return sorted((s, e) for s, e in exceptions[day] if s is not None and e is not None)
    return sorted((s, e) for weekday, s, e in weekly if weekday == day.weekday())


def free_slots(
    *,
    rules: Rules,
    weekly: Iterable[tuple[int, time, time]],
    exceptions: dict[date, list[tuple[time | None, time | None]]],
    busy: Iterable[tuple[datetime, datetime]],
    now: datetime,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[Slot]:
    """Every bookable slot between `start` and `end` (default: the whole booking horizon).

    `busy` are the teacher's classes that hold time (UTC ranges); a slot must keep
    `buffer_minutes` clear of each. Slots start no sooner than the minimum notice.
    """
    weekly = list(weekly)
    length = timedelta(minutes=rules.class_minutes)
    buffer = timedelta(minutes=rules.buffer_minutes)
    earliest = now + timedelta(hours=rules.min_notice_hours)
    latest = now + timedelta(days=rules.max_days_ahead)
    if start is not None:
        earliest = max(earliest, start)
    if end is not None:
        latest = min(latest, end)
    if earliest >= latest:
        return []
    busy = sorted(busy)

    def clashes(s: datetime, e: datetime) -> bool:
        return any(s < b_end + buffer and b_start < e + buffer for b_start, b_end in busy)

    slots = []
    day = earliest.astimezone(rules.zone).date() - timedelta(days=1)
    last_day = latest.astimezone(rules.zone).date()
    while day <= last_day:
        for w_start, w_end in windows_for(day=day, weekly=weekly, exceptions=exceptions):
            window_start = wall_to_utc(day, w_start, rules.zone)
            window_end = wall_to_utc(day, w_end, rules.zone)
            s = window_start
            while s + length <= window_end:
                e = s + length
                if earliest <= s and s < latest and not clashes(s, e):
                    slots.append(Slot(start=s, end=e))
                s = e + buffer
        day += timedelta(days=1)
    return sorted(set(slots))


def group_by_local_day(slots: Iterable[Slot], zone: ZoneInfo) -> list[tuple[date, list[tuple[Slot, datetime]]]]:
    """Slots grouped by the viewer's local date, each with its local start time."""
    days: dict[date, list[tuple[Slot, datetime]]] = {}
    for slot in slots:
        local = slot.start.astimezone(zone)
        days.setdefault(local.date(), []).append((slot, local))
    return sorted(days.items())
