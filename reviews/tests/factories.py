"""Review state built as people cause it: a class booked, confirmed and attended through the
live services; a course completed through the courses services."""

from datetime import timedelta

from django.utils import timezone

from courses.services import enrollment_create, lesson_complete
from courses.tests.factories import lessons_of, make_course
from live import selectors as live_selectors
from live import services as live_services
from live.tests.factories import availability_set

EVERY_DAY = [(day, "00:00", "23:30") for day in range(7)]


def attended_class(teacher, student, *, days_ago: int = 3, attendance: str = "attended"):
    """A one-to-one class `days_ago` days ago that the teacher marked (attended by default)."""
    if not hasattr(teacher, "availability"):
        availability_set(teacher, zone="UTC", hours=EVERY_DAY, min_notice_hours=2, class_minutes=30, max_days_ahead=7)
    then = timezone.now() - timedelta(days=days_ago)
    taken = set(teacher.classes_taught.values_list("start", flat=True))
    slot = next(
        s
        for s in live_selectors.teacher_free_slots(teacher=teacher, now=then, end=then + timedelta(days=1))
        if s.start not in taken
    )
    live_class = live_services.booking_request(student=student, teacher=teacher, start=slot.start, now=then)
    live_services.booking_approve(actor=teacher, live_class_id=live_class.pk, now=then)
    if attendance:
        live_services.attendance_mark(
            actor=teacher,
            live_class_id=live_class.pk,
            student_id=student.pk,
            attendance=attendance,
            now=slot.start + timedelta(minutes=5),
        )
    return live_class


def completed_course(teacher, student, *, title="Short Course"):
    course = make_course(teacher, title=title, modules=1, lessons=1, quiz_in_last=False)
    enrollment_create(student=student, course=course, source="free")
    lesson_complete(student=student, lesson=lessons_of(course)[0], course=course)
    return course
