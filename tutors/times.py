"""Times of the week as students describe them ("weekday evenings") and as tutors' free
hours are stored (hours of the week in UTC, 0 = Monday 00:00 UTC … 167).

A student's "weekday evenings" are in their own zone; `utc_hours` turns them into the UTC
hours of the week they cover, through zoneinfo on the coming week's real dates, so a
zone's DST offset is the one in force when the lessons would happen.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

HOURS_PER_WEEK = 168


@dataclass(frozen=True)
class Period:
    key: str
    label: Promise
    weekend: bool
    start: int  # local hour, inclusive
    end: int  # local hour, exclusive


PERIODS = (
    Period("weekday-morning", _("weekday mornings"), False, 6, 12),
    Period("weekday-afternoon", _("weekday afternoons"), False, 12, 17),
    Period("weekday-evening", _("weekday evenings"), False, 17, 22),
    Period("weekend-morning", _("weekend mornings"), True, 6, 12),
    Period("weekend-afternoon", _("weekend afternoons"), True, 12, 17),
    Period("weekend-evening", _("weekend evenings"), True, 17, 22),
)
PERIODS_BY_KEY = {period.key: period for period in PERIODS}


def hour_of_week(moment: datetime) -> int:
    """The UTC hour of the week `moment` falls in."""
    moment = moment.astimezone(ZoneInfo("UTC"))
    return moment.weekday() * 24 + moment.hour


def utc_hours(period: Period, zone: ZoneInfo, today: date | None = None) -> frozenset[int]:
    """The UTC hours of the week that `period`, in `zone`, covers in the coming seven days."""
    today = today or timezone.now().astimezone(zone).date()
    hours = set()
    for offset in range(7):
        day = today + timedelta(days=offset)
        if (day.weekday() >= 5) != period.weekend:
            continue
        for hour in range(period.start, period.end):
            hours.add(hour_of_week(datetime.combine(day, time(hour), tzinfo=zone)))
    return frozenset(hours)


def periods_hours(keys, zone: ZoneInfo, today: date | None = None) -> dict[str, frozenset[int]]:
    """{period key: its UTC hours} for the known keys among `keys`, in `zone`."""
    return {key: utc_hours(PERIODS_BY_KEY[key], zone, today) for key in keys if key in PERIODS_BY_KEY}
