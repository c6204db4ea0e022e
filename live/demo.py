"""Demo data for live classes: availability for the demo teachers and a few classes
(pending, confirmed, and a past one with attendance and a recording), all made through
the services as people would. Idempotent."""

import contextlib
from datetime import datetime, time, timedelta

from django.utils import timezone

from live import selectors, services
from live.models import LiveClass, WeeklyHours
from lms.models import Role, User
from lms.services import user_set_role

WEEKDAYS = [(day, time(9), time(17)) for day in range(5)] + [(5, time(10), time(13))]


def _availability(teacher: User, hours, **rules) -> None:
    services.availability_update(teacher=teacher, accepting=True, **rules)
    if not WeeklyHours.objects.filter(teacher=teacher).exists():
        for weekday, start, end in hours:
            services.weekly_hours_add(teacher=teacher, weekday=weekday, start_time=start, end_time=end)


def _first_free(teacher: User, *, now, after):
    slots = selectors.teacher_free_slots(teacher=teacher, now=now, start=after)
    return slots[0].start if slots else None


def load(*, stdout) -> None:
    from lms.management.commands.load_demo_data import demo_user

    teacher = User.objects.filter(email="teacher@lyceum.test").first()
    student = User.objects.filter(email="student@lyceum.test").first()
    admin = User.objects.filter(email="admin@lyceum.test").first()
    if teacher is None or student is None:
        stdout.write("live: the demo teacher and student are missing; skipped.")
        return
    _availability(teacher, WEEKDAYS, class_minutes=60, buffer_minutes=15, min_notice_hours=12, max_days_ahead=28)

    # The same Grace Hopper the courses demo made (one person, one account).
    second, _ = demo_user("grace@lyceum.test", "Grace Hopper", "America/New_York")
    if second.role != Role.TEACHER and admin is not None:
        user_set_role(actor=admin, user=second, role=Role.TEACHER)
    if second.role == Role.TEACHER:
        evenings = [(day, time(17), time(21)) for day in range(4)]
        _availability(second, evenings, class_minutes=45, buffer_minutes=10, min_notice_hours=4, max_days_ahead=21)

    if LiveClass.objects.filter(teacher=teacher, participants__student=student).exists():
        stdout.write("live: demo classes already there.")
        return
    now = timezone.now()

    # A past class, held, with attendance and a recording.
    past_now = now - timedelta(days=9)
    start = _first_free(teacher, now=past_now, after=past_now + timedelta(days=1))
    if start:
        held = services.booking_request(
            student=student, teacher=teacher, start=start, note="Proofs by induction, please.", now=past_now
        )
        services.booking_approve(actor=teacher, live_class_id=held.pk, now=past_now)
        services.attendance_mark(
            actor=teacher, live_class_id=held.pk, student_id=student.pk, attendance="attended", now=now
        )
        services.recording_set(
            actor=teacher, live_class_id=held.pk, url="https://example.com/recordings/induction", now=now
        )

    # A confirmed class in two days, and a request waiting for the teacher in four.
    start = _first_free(teacher, now=now, after=now + timedelta(days=2))
    if start:
        confirmed = services.booking_request(student=student, teacher=teacher, start=start, note="Exam revision")
        services.booking_approve(actor=teacher, live_class_id=confirmed.pk)
    start = _first_free(teacher, now=now, after=now + timedelta(days=4))
    if start:
        services.booking_request(student=student, teacher=teacher, start=start, note="Could we look at recursion?")
    _group_class(teacher, student, now=now)
    stdout.write("live: availability for 2 teachers, 3 one-to-one classes, a free group class and a paid one.")


def _group_class(teacher: User, student: User, *, now) -> None:
    """A group class for the first course the demo teacher teaches (if courses has any)."""
    try:
        from courses.models import CoursePage
    except ImportError:
        return
    course = next(
        (c for c in CoursePage.objects.live().order_by("path") if teacher.pk in selectors.course_teacher_ids(c)), None
    )
    if course is None:
        return
    zone = selectors.user_zone(teacher)
    day = (now + timedelta(days=5)).astimezone(zone).date()
    start = datetime.combine(day, time(18), tzinfo=zone)
    try:
        live_class = services.group_class_create(
            teacher=teacher, course=course, start=start, minutes=60, capacity=12, title=f"Live Q&A: {course.title}"
        )
        services.group_class_register(student=student, live_class_id=live_class.pk)
    except services.BookingError:
        pass  # e.g. the student is not enrolled in that course
    # A workshop with paid places: a student pays for one from the course page (the test provider).
    day = (now + timedelta(days=7)).astimezone(zone).date()
    with contextlib.suppress(services.BookingError):  # already there: the demo loads again
        services.group_class_create(
            teacher=teacher,
            course=course,
            start=datetime.combine(day, time(17), tzinfo=zone),
            minutes=90,
            capacity=8,
            title=f"Exam workshop: {course.title}",
            seat_price=900,
        )
