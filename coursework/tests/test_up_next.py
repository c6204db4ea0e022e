"""A student's "Up next" (work due, classes, lessons to continue) and deadlines in the calendar feed."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from courses.services import enrollment_create
from courses.tests.factories import make_course
from coursework import services
from coursework.selectors import up_next
from coursework.tests.factories import make_assignment
from live.models import LivePreferences


@pytest.fixture
def setup(teacher, student):
    course = make_course(teacher, title="Rhetoric", quiz_in_last=False)
    enrollment_create(student=student, course=course, source="free")
    now = timezone.now()
    soon = make_assignment(course, teacher, title="Soon", due_at=now + timedelta(days=1))
    late = make_assignment(course, teacher, title="Overdue", due_at=now - timedelta(days=1))
    make_assignment(course, teacher, title="Closed", due_at=now - timedelta(days=3), cut_off_at=now - timedelta(days=2))
    done = make_assignment(course, teacher, title="Done", due_at=now + timedelta(days=2))
    services.submission_save(student=student, assignment=done, text="x", hand_in=True)
    extended = make_assignment(course, teacher, title="Extended", due_at=now - timedelta(hours=2))
    services.extension_grant(actor=teacher, assignment=extended, student=student, due_at=now + timedelta(days=5))
    return {"course": course, "soon": soon, "late": late, "extended": extended}


def test_up_next_lists_open_work_and_classes_by_date(setup, student, teacher):
    from live import services as live_services
    from live.selectors import teacher_free_slots
    from live.tests.factories import availability_set

    availability_set(teacher, hours=[(day, "00:00", "23:30") for day in range(7)])
    slot = teacher_free_slots(teacher=teacher, start=timezone.now() + timedelta(days=3))[0]
    live_services.booking_request(student=student, teacher=teacher, start=slot.start, note="")
    items = up_next(user=student)
    assert [(i.kind, i.title) for i in items][:3] == [("due", "Overdue"), ("due", "Soon"), ("class", items[2].title)]
    assert [i.title for i in items][3:] == ["Extended"]
    assert items[0].overdue and not items[1].overdue and items[1].course_title == "Rhetoric"


def test_the_dashboard_shows_up_next(setup, student):
    client = Client()
    client.force_login(student)
    html = client.get("/dashboard/student/").content.decode()
    assert "Up next" in html and "Overdue" in html and setup["soon"].url in html and "Closed" not in html


def test_deadlines_are_in_the_students_calendar_feed(setup, student, teacher):
    token = LivePreferences.objects.get_or_create(user=student)[0].feed_token
    feed = Calendar.from_ical(Client().get(f"/live/feed/{token}.ics").content)
    summaries = {str(e["summary"]): e for e in feed.walk("VEVENT")}
    assert {"Due: Soon", "Due: Overdue", "Due: Extended"} <= set(summaries)
    assert "Due: Done" not in summaries and "Due: Closed" not in summaries
    extension = setup["extended"].extensions.get()
    assert summaries["Due: Extended"]["dtstart"].dt == extension.due_at.replace(microsecond=0)
    # The teacher's own feed has no student's deadlines.
    teacher_token = LivePreferences.objects.get_or_create(user=teacher)[0].feed_token
    assert b"Due:" not in Client().get(f"/live/feed/{teacher_token}.ics").content
