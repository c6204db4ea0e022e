"""How long slot generation takes for a busy teacher: 7 days × 12 h of hours, 60 days
ahead, 150 existing classes. Pure Python (no database).

    PYTHONPATH=. .venv/bin/python bench/live_slots.py
"""

import timeit
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from live.slots import Rules, free_slots

rules = Rules(
    zone=ZoneInfo("Europe/London"), class_minutes=45, buffer_minutes=15, min_notice_hours=2, max_days_ahead=60
)
weekly = [(day, time(8), time(20)) for day in range(7)]
now = datetime(2026, 3, 1, 9, tzinfo=UTC)
busy = [(now + timedelta(hours=9 * i + 3), now + timedelta(hours=9 * i + 4)) for i in range(150)]


def run():
    return free_slots(rules=rules, weekly=weekly, exceptions={}, busy=busy, now=now)


if __name__ == "__main__":
    n = 20
    seconds = timeit.timeit(run, number=n) / n
    print(f"{len(run())} free slots over 60 days in {seconds * 1000:.1f} ms (mean of {n})")
