from datetime import UTC, datetime

import pytest

from live import services
from live.tests.factories import availability_set

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # Monday 08:00 UTC
SLOT = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)  # Tuesday 10:00 London (GMT)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def london_teacher(teacher, clock):
    availability_set(teacher, zone="Europe/London")
    return teacher


@pytest.fixture
def pending(student, london_teacher, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.booking_request(student=student, teacher=london_teacher, start=SLOT, note="Algebra, please")


@pytest.fixture
def confirmed(pending, london_teacher, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        live_class = services.booking_approve(actor=london_teacher, live_class_id=pending.pk)
    mailoutbox.clear()
    return live_class
