"""Helpers that build live-class state the way users would: through the services."""

from datetime import time

from live import services


def availability_set(
    teacher,
    *,
    zone: str | None = None,
    hours=(
        (0, "09:00", "17:00"),
        (1, "09:00", "17:00"),
        (2, "09:00", "17:00"),
        (3, "09:00", "17:00"),
        (4, "09:00", "17:00"),
    ),
    class_minutes: int = 60,
    buffer_minutes: int = 0,
    min_notice_hours: int = 2,
    max_days_ahead: int = 60,
):
    """Give a teacher weekly hours (wall clock, in their zone) and booking rules."""
    if zone:
        teacher.time_zone = zone
        teacher.save(update_fields=["time_zone"])
    services.availability_update(
        teacher=teacher,
        accepting=True,
        class_minutes=class_minutes,
        buffer_minutes=buffer_minutes,
        min_notice_hours=min_notice_hours,
        max_days_ahead=max_days_ahead,
    )
    for weekday, start, end in hours:
        services.weekly_hours_add(
            teacher=teacher, weekday=weekday, start_time=time.fromisoformat(start), end_time=time.fromisoformat(end)
        )
    return teacher.availability
