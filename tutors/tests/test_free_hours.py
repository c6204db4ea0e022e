"""A tutor's free hours of the week follow their availability and bookings: refreshed after
every change (a task queued after commit by live.services) and nightly for everyone."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from live import selectors as live_selectors
from live import services as live_services
from live.tests.factories import availability_set
from lms.models import Role
from lms.tests.factories import make_user
from tutors import services, tasks
from tutors.models import FreeHour, Tutor
from tutors.times import hour_of_week

LONDON = ZoneInfo("Europe/London")
pytestmark = pytest.mark.django_db


@pytest.fixture
def tutor(db):
    teacher = make_user(Role.TEACHER, display_name="Tess Teacher", time_zone="Europe/London")
    return Tutor.objects.create(user=teacher, rate_60=3000)


def hours_of(tutor) -> set[int]:
    return set(FreeHour.objects.filter(tutor=tutor).values_list("hour", flat=True))


def in_two_days():
    return timezone.now().astimezone(LONDON).date() + timedelta(days=2)


def six_pm(day):
    return hour_of_week(datetime.combine(day, time(18), tzinfo=LONDON))


def test_free_hours_are_the_hours_of_free_slots_in_the_next_two_weeks(tutor):
    availability_set(tutor.user, hours=[(0, "18:00", "20:00")], class_minutes=60)
    hours = services.free_hours_refresh(tutor=tutor)
    # Mondays 18:00–20:00 London: 18:00 and 19:00 UTC in winter, 17:00 and 18:00 in summer.
    monday = [h for h in hours if h < 24]
    assert hours == set(monday) and len(monday) in (2, 3)
    assert hours_of(tutor) == hours


def test_a_booked_slot_hour_disappears_and_comes_back_when_cancelled(tutor, django_capture_on_commit_callbacks):
    day = in_two_days()
    student = make_user(Role.STUDENT)
    availability_set(tutor.user, hours=[], class_minutes=60)
    live_services.date_exception_add(teacher=tutor.user, day=day, start_time=time(18), end_time=time(19))
    services.free_hours_refresh(tutor=tutor)
    assert hours_of(tutor) == {six_pm(day)}

    slot = live_selectors.teacher_free_slots(teacher=tutor.user)[0]
    with django_capture_on_commit_callbacks(execute=True):
        booked = live_services.booking_request(student=student, teacher=tutor.user, start=slot.start, minutes=60)
    assert hours_of(tutor) == set()

    with django_capture_on_commit_callbacks(execute=True):
        live_services.class_cancel(actor=student, live_class_id=booked.pk)
    assert hours_of(tutor) == {six_pm(day)}


def test_a_day_off_removes_its_hours(tutor, django_capture_on_commit_callbacks):
    day = in_two_days()
    availability_set(tutor.user, hours=[(day.weekday(), "18:00", "19:00")], class_minutes=60)
    services.free_hours_refresh(tutor=tutor)
    assert six_pm(day) in hours_of(tutor)
    with django_capture_on_commit_callbacks(execute=True):
        for week in range(3):
            live_services.date_exception_add(teacher=tutor.user, day=day + timedelta(weeks=week))
    assert hours_of(tutor) == set()


def test_editing_weekly_hours_refreshes_them(tutor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        availability_set(tutor.user, hours=[(2, "09:00", "10:00")], class_minutes=60)
    assert hours_of(tutor) and all(48 <= h < 72 for h in hours_of(tutor))


def test_the_nightly_task_refreshes_every_tutor_and_a_teacher_without_a_tutor_is_skipped(tutor):
    availability_set(tutor.user, hours=[(0, "18:00", "20:00")])
    FreeHour.objects.create(tutor=tutor, hour=100)  # stale
    assert tasks.tutors_refresh_all() == "1 tutors refreshed"
    assert 100 not in hours_of(tutor) and hours_of(tutor)
    assert tasks.tutor_refresh(make_user(Role.TEACHER).pk) == "not a listed tutor"


def test_the_nightly_schedule_is_registered():
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name="tutors.refresh_all")
    assert schedule.func == "tutors.tasks.tutors_refresh_all" and schedule.schedule_type == Schedule.DAILY
