"""Slot generation: wall-clock hours in the teacher's zone → UTC → the student's zone,
across the daylight-saving changes of 2026 (US: 8 March and 1 November; UK: 29 March and
25 October)."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from live import selectors, services
from live.slots import Rules, free_slots, group_by_local_day, parse_slot_key, wall_to_utc
from live.tests.factories import availability_set

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


def rules(zone, minutes=60, buffer=0):
    return Rules(zone=zone, class_minutes=minutes, buffer_minutes=buffer, min_notice_hours=0, max_days_ahead=400)


def slots_on(zone, weekday_hours, day, *, minutes=60, buffer=0, busy=(), exceptions=None):
    start = datetime.combine(day, time(0), tzinfo=zone)
    return free_slots(
        rules=rules(zone, minutes, buffer),
        weekly=weekday_hours,
        exceptions=exceptions or {},
        busy=busy,
        now=datetime(2026, 1, 1, tzinfo=UTC),
        start=start,
        end=start + timedelta(days=1),
    )


def test_new_york_teacher_seen_from_london_in_the_weeks_the_clocks_disagree():
    monday_9_to_10 = [(0, time(9), time(10))]
    # Before either change: 09:00 EST = 14:00 UTC = 14:00 in London.
    (before,) = slots_on(NY, monday_9_to_10, datetime(2026, 3, 2).date())
    assert before.start == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    assert before.start.astimezone(LONDON).hour == 14
    # The US changed on 8 March, the UK not yet: 09:00 EDT = 13:00 UTC = 13:00 in London.
    (gap_week,) = slots_on(NY, monday_9_to_10, datetime(2026, 3, 9).date())
    assert gap_week.start == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)
    assert gap_week.start.astimezone(LONDON).strftime("%H:%M") == "13:00"
    # Both changed (UK on 29 March): 09:00 EDT = 13:00 UTC = 14:00 BST.
    (after,) = slots_on(NY, monday_9_to_10, datetime(2026, 3, 30).date())
    assert after.start == datetime(2026, 3, 30, 13, 0, tzinfo=UTC)
    assert after.start.astimezone(LONDON).strftime("%H:%M") == "14:00"
    # Autumn: the UK goes back on 25 October, the US on 1 November.
    (autumn_gap,) = slots_on(NY, monday_9_to_10, datetime(2026, 10, 26).date())
    assert autumn_gap.start.astimezone(LONDON).strftime("%H:%M") == "13:00"
    (winter,) = slots_on(NY, monday_9_to_10, datetime(2026, 11, 2).date())
    assert winter.start.astimezone(LONDON).strftime("%H:%M") == "14:00"


def test_london_teacher_seen_from_new_york():
    tuesday_18 = [(1, time(18), time(19))]
    (slot,) = slots_on(LONDON, tuesday_18, datetime(2026, 3, 10).date())
    # 18:00 GMT = 18:00 UTC = 14:00 EDT (NY already on summer time): four hours apart, not five.
    assert slot.start.astimezone(NY).strftime("%H:%M") == "14:00"
    (slot,) = slots_on(LONDON, tuesday_18, datetime(2026, 3, 3).date())
    assert slot.start.astimezone(NY).strftime("%H:%M") == "13:00"


def test_spring_forward_night_has_real_hours_only():
    # London, Sunday 29 March 2026: 00:30–03:00 on the wall clock is 1.5 real hours.
    sunday = [(6, time(0, 30), time(3))]
    slots = slots_on(LONDON, sunday, datetime(2026, 3, 29).date())
    assert [s.start for s in slots] == [datetime(2026, 3, 29, 0, 30, tzinfo=UTC)]
    assert all(s.end - s.start == timedelta(minutes=60) for s in slots)


def test_fall_back_night_has_the_extra_hour():
    # London, Sunday 25 October 2026: 00:30–03:00 on the wall clock is 3.5 real hours.
    sunday = [(6, time(0, 30), time(3))]
    slots = slots_on(LONDON, sunday, datetime(2026, 10, 25).date())
    assert [s.start.strftime("%d %H:%M") for s in slots] == ["24 23:30", "25 00:30", "25 01:30"]


def test_a_wall_time_in_the_gap_moves_forward():
    assert wall_to_utc(datetime(2026, 3, 29).date(), time(1, 30), LONDON) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert wall_to_utc(datetime(2026, 3, 8).date(), time(2, 30), NY) == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)


def test_buffer_and_busy_times_are_respected():
    day = datetime(2026, 3, 2).date()
    monday = [(0, time(9), time(12))]
    slots = slots_on(LONDON, monday, day, minutes=45, buffer=15)
    assert [s.start.strftime("%H:%M") for s in slots] == ["09:00", "10:00", "11:00"]
    busy = [(datetime(2026, 3, 2, 10, 0, tzinfo=UTC), datetime(2026, 3, 2, 10, 45, tzinfo=UTC))]
    slots = slots_on(LONDON, monday, day, minutes=45, buffer=15, busy=busy)
    assert [s.start.strftime("%H:%M") for s in slots] == ["09:00", "11:00"]


def test_exceptions_replace_the_weekly_hours():
    day = datetime(2026, 3, 2).date()
    monday = [(0, time(9), time(12))]
    assert slots_on(LONDON, monday, day, exceptions={day: [(None, None)]}) == []
    slots = slots_on(LONDON, monday, day, exceptions={day: [(time(15), time(16))]})
    assert [s.start.strftime("%H:%M") for s in slots] == ["15:00"]


def test_grouping_by_the_viewers_day():
    # 23:00 UTC on Monday is already Tuesday in Tokyo.
    slots = slots_on(ZoneInfo("UTC"), [(0, time(23), time(23, 59))], datetime(2026, 3, 2).date(), minutes=30)
    ((day, items),) = group_by_local_day(slots, ZoneInfo("Asia/Tokyo"))
    assert day.isoformat() == "2026-03-03"
    assert items[0][1].strftime("%H:%M") == "08:00"


@pytest.mark.parametrize("value", ["", "tomorrow", "2026-03-02T09:00", "2026-13-02T09:00Z", "2026-03-02 09:00Z", None])
def test_malformed_slot_keys_are_refused(value):
    assert parse_slot_key(value) is None


def test_service_slots_use_the_teachers_zone_and_the_clock(time_machine, teacher):
    time_machine.move_to(datetime(2026, 3, 5, 12, 0, tzinfo=UTC))
    availability_set(teacher, zone="America/New_York", hours=[(0, "09:00", "10:00")], min_notice_hours=24)
    slots = selectors.teacher_free_slots(teacher=teacher, end=datetime(2026, 3, 20, tzinfo=UTC))
    assert [s.start for s in slots] == [datetime(2026, 3, 9, 13, tzinfo=UTC), datetime(2026, 3, 16, 13, tzinfo=UTC)]
    services.date_exception_add(teacher=teacher, day=datetime(2026, 3, 9).date())
    slots = selectors.teacher_free_slots(teacher=teacher, end=datetime(2026, 3, 20, tzinfo=UTC))
    assert [s.start.day for s in slots] == [16]
