"""A tutor's figures: lessons taught, response rate and time, reliability."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from live import selectors as live_selectors
from live import services as live_services
from live.models import JoinClick, LiveClass
from live.tests.factories import availability_set
from lms.models import Role
from lms.tests.factories import make_user
from tutors.services import tutor_stats_refresh
from tutors.tests.factories import offer

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # a Monday


def _request(teacher, student, *, after, now):
    slot = live_selectors.teacher_free_slots(teacher=teacher, now=now, start=after)[0]
    return live_services.booking_request(student=student, teacher=teacher, start=slot.start, now=now)


def test_figures_from_the_teachers_classes(teacher, student):
    tutor = offer(teacher)
    other = make_user(Role.STUDENT, email="other@example.com", display_name="Olga")
    availability_set(teacher, zone="UTC", hours=[(day, "08:00", "20:00") for day in range(7)], min_notice_hours=2)
    now = START
    with time_machine.travel(now, tick=False):
        # Answered after 30 minutes, held, attended.
        held = _request(teacher, student, after=now + timedelta(days=1), now=now)
    with time_machine.travel(now + timedelta(minutes=30), tick=False):
        live_services.booking_approve(actor=teacher, live_class_id=held.pk)
    # Declined after 90 minutes.
    with time_machine.travel(now, tick=False):
        declined = _request(teacher, other, after=now + timedelta(days=2), now=now)
    with time_machine.travel(now + timedelta(minutes=90), tick=False):
        live_services.booking_reject(actor=teacher, live_class_id=declined.pk, reason="Away")
    # Confirmed after 10 minutes, then cancelled by the teacher.
    with time_machine.travel(now, tick=False):
        cancelled = _request(teacher, other, after=now + timedelta(days=3), now=now)
    with time_machine.travel(now + timedelta(minutes=10), tick=False):
        live_services.booking_approve(actor=teacher, live_class_id=cancelled.pk)
        live_services.class_cancel(actor=teacher, live_class_id=cancelled.pk, reason="Ill")
    # Never answered: expired.
    with time_machine.travel(now, tick=False):
        ignored = _request(teacher, student, after=now + timedelta(days=4), now=now)
    live_services.pending_expire(now=ignored.start)
    # Confirmed, the student joined, the teacher never did: a teacher no-show.
    with time_machine.travel(now, tick=False):
        missed = _request(teacher, student, after=now + timedelta(days=5), now=now)
    with time_machine.travel(now + timedelta(minutes=20), tick=False):
        live_services.booking_approve(actor=teacher, live_class_id=missed.pk)
    JoinClick.objects.create(live_class=missed, user=student, clicked_at=missed.start)

    held = LiveClass.objects.get(pk=held.pk)
    live_services.attendance_mark(
        actor=teacher, live_class_id=held.pk, student_id=student.pk, attendance="attended", now=held.start
    )
    tutor_stats_refresh(tutor=tutor, now=START + timedelta(days=30))
    assert tutor.lessons_taught == 1
    # 4 answered (held, declined, cancelled, missed), 1 expired.
    assert tutor.response_rate == Decimal("0.800")
    assert tutor.response_minutes == 25  # median of 30, 90, 10, 20
    # 3 confirmed: one cancelled by the teacher, one missed.
    assert tutor.reliability == Decimal("0.333")


def test_a_new_tutor_starts_with_clean_figures(teacher):
    tutor = tutor_stats_refresh(tutor=offer(teacher))
    assert (tutor.lessons_taught, tutor.response_rate, tutor.response_minutes, tutor.reliability) == (
        0, Decimal("1.000"), None, Decimal("1.000"),
    )  # fmt: skip


def test_live_changes_queue_a_refresh(teacher, student, django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr(live_services, "async_task", lambda name, *args, **kwargs: queued.append((name, args)))
    offer(teacher)
    availability_set(teacher, zone="UTC", hours=[(day, "08:00", "20:00") for day in range(7)])
    live_class = _request(teacher, student, after=datetime.now(UTC) + timedelta(days=1), now=datetime.now(UTC))
    with django_capture_on_commit_callbacks(execute=True):
        live_services.booking_approve(actor=teacher, live_class_id=live_class.pk)
    assert ("tutors.tasks.tutor_refresh", (teacher.pk,)) in queued
