"""Due dates that differ per cohort: the late penalty, the closing, "Up next" and the gradebook
follow the student's cohort (an extension still wins)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from courses.services import cohort_create, enrollment_create
from courses.tests.factories import make_course
from coursework import services
from coursework.gradebook import gradebook
from coursework.models import CohortDueDate
from coursework.selectors import up_next
from coursework.tests.factories import make_assignment
from lms.tests.factories import make_user

DUE = datetime(2031, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def world(teacher):
    with time_machine.travel(DUE - timedelta(days=30)):
        course = make_course(teacher, quiz_in_last=False)
        early = cohort_create(
            actor=teacher, course=course, name="Early", starts_at=DUE - timedelta(days=40), time_zone="UTC"
        )
        assignment = make_assignment(course, teacher, due_at=DUE, cut_off_at=DUE + timedelta(days=1))
        ann = make_user(email="ann@example.com", display_name="Ann")
        enrollment_create(student=ann, course=course, source="free")  # joins "Early", the only one
        late = cohort_create(
            actor=teacher, course=course, name="Late", starts_at=DUE + timedelta(days=5), time_zone="UTC"
        )
        ben = make_user(email="ben@example.com", display_name="Ben")
        enrollment_create(student=ben, course=course, source="free")  # joins "Late", the next to start
        services.cohort_due_set(
            actor=teacher, assignment=assignment, cohort=late, due_at=DUE + timedelta(days=10), cut_off_at=None
        )
    return {"course": course, "assignment": assignment, "ann": ann, "ben": ben, "early": early, "late": late}


def test_the_late_cohort_hands_in_later_without_penalty(world):
    with time_machine.travel(DUE + timedelta(days=3)):
        with pytest.raises(services.CourseworkError, match="closed"):
            services.submission_save(student=world["ann"], assignment=world["assignment"], text="x", hand_in=True)
        ben = services.submission_save(student=world["ben"], assignment=world["assignment"], text="x", hand_in=True)
        assert ben.late_penalty == 0
        assert [item.title for item in up_next(user=world["ann"])] == []  # closed for Ann
        book = {row.student.name: row for row in gradebook(course=world["course"]).rows}
        assert book["Ann"].cells[f"assignment:{world['assignment'].pk}"].note == "missing"
        assert book["Ben"].cells[f"assignment:{world['assignment'].pk}"].percent is None  # handed in, not graded


def test_the_page_shows_each_student_their_cohorts_due_date(world):
    with time_machine.travel(DUE - timedelta(days=1)):
        client = Client()
        client.force_login(world["ben"])
        html = client.get(world["assignment"].url).content.decode()
        assert (DUE + timedelta(days=10)).date().isoformat() in html  # the <time datetime="…">


def test_only_the_courses_teachers_set_a_cohorts_due_date(world, other_teacher, teacher):
    with pytest.raises(Exception, match="teachers"):
        services.cohort_due_set(actor=other_teacher, assignment=world["assignment"], cohort=world["early"], due_at=DUE)
    with pytest.raises(services.CourseworkError, match="before the due date"):
        services.cohort_due_set(
            actor=teacher,
            assignment=world["assignment"],
            cohort=world["early"],
            due_at=DUE,
            cut_off_at=DUE - timedelta(hours=1),
        )
    client = Client()
    client.force_login(teacher)
    response = client.post(  # read in the teacher's zone (UTC here)
        f"/coursework/teach/assignments/{world['assignment'].pk}/extensions/",
        {"action": "cohort", "cohort": world["early"].pk, "due_at": "2031-05-03T09:00"},
    )
    assert response.status_code == 302
    assert CohortDueDate.objects.get(cohort=world["early"]).due_at == datetime(2031, 5, 3, 9, 0, tzinfo=UTC)
