"""Cohorts and scheduled release: a lesson opens on a date, or some days after the student's
cohort starts (counted in the cohort's zone, across a change of the clocks) or they enrol."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from courses import services
from courses.models import Cohort, Enrollment, LessonPage
from courses.tests.factories import lessons_of, make_course
from lms.models import AuditLogEntry

START = datetime(2027, 3, 26, 10, 0, tzinfo=UTC)  # Friday 26 March 2027, 10:00 in London (GMT)


def _release(lesson: LessonPage, teacher, **fields) -> LessonPage:
    for name, value in fields.items():
        setattr(lesson, name, value)
    lesson.save_revision(user=teacher).publish()
    return LessonPage.objects.get(pk=lesson.pk)


@pytest.fixture
def course(teacher):
    return make_course(teacher, quiz_in_last=False)


def test_a_new_student_joins_the_next_cohort_else_the_latest(course, student, teacher):
    with time_machine.travel(START - timedelta(days=30)):
        spring = services.cohort_create(
            actor=teacher, course=course, name="Spring", starts_at=START, time_zone="Europe/London"
        )
        summer = services.cohort_create(
            actor=teacher, course=course, name="Summer", starts_at=START + timedelta(days=90), time_zone="Europe/London"
        )
        assert services.enrollment_create(student=student, course=course, source="free").cohort == spring
    with time_machine.travel(START + timedelta(days=200)):
        assert services.cohort_to_join(course) == summer
    assert AuditLogEntry.objects.filter(action="cohort.create").count() == 2


def test_days_after_the_cohort_start_count_local_days_across_the_clock_change(course, student, teacher):
    # London moves its clocks forward on Sunday 28 March 2027: two days after Friday 10:00 GMT
    # is Sunday 10:00 BST, which is 09:00 UTC (47 hours later, not 48).
    with time_machine.travel(START - timedelta(days=1)):
        services.cohort_create(actor=teacher, course=course, name="Spring", starts_at=START, time_zone="Europe/London")
        enrollment = services.enrollment_create(student=student, course=course, source="free")
    lesson = _release(lessons_of(course)[1], teacher, release=LessonPage.Release.AFTER_COHORT_START, release_days=2)
    enrollment = Enrollment.objects.select_related("cohort", "student").get(pk=enrollment.pk)
    assert lesson.opens_for(enrollment) == datetime(2027, 3, 28, 9, 0, tzinfo=UTC)

    def visit():
        client = Client()
        client.force_login(student)
        return client.get(lesson.url)

    with time_machine.travel(datetime(2027, 3, 28, 8, 59, tzinfo=UTC)):
        locked = visit()
        assert locked.status_code == 403 and "This lesson opens on" in locked.content.decode()
        with pytest.raises(services.CourseError, match="opens on"):
            services.lesson_complete(student=student, lesson=lesson, course=course)
    with time_machine.travel(datetime(2027, 3, 28, 9, 0, tzinfo=UTC)):
        assert visit().status_code == 200
        services.lesson_complete(student=student, lesson=lesson, course=course)


def test_a_lesson_on_a_date_and_days_after_enrolling(course, student, teacher):
    first, second = lessons_of(course)[1:3]
    _release(first, teacher, release=LessonPage.Release.ON_DATE, release_at=START)
    _release(second, teacher, release=LessonPage.Release.AFTER_ENROLMENT, release_days=7)
    with time_machine.travel(START - timedelta(hours=1)):
        services.enrollment_create(student=student, course=course, source="free")
        client = Client()
        client.force_login(student)
        html = client.get(course.lessons()[0].url).content.decode()
        assert html.count("Not open yet:") == 2  # both shown locked in the outline
        assert client.get(first.url).status_code == 403
    with time_machine.travel(START + timedelta(minutes=1)):
        client = Client()
        client.force_login(student)
        assert client.get(first.url).status_code == 200
        assert client.get(second.url).status_code == 403
    with time_machine.travel(START + timedelta(days=7)):
        client = Client()
        client.force_login(student)
        assert client.get(second.url).status_code == 200


def test_teachers_and_staff_see_lessons_before_they_open(course, teacher, staff_user):
    lesson = _release(lessons_of(course)[1], teacher, release=LessonPage.Release.ON_DATE, release_at=START)
    with time_machine.travel(START - timedelta(days=1)):
        for user in (teacher, staff_user):
            client = Client()
            client.force_login(user)
            assert client.get(lesson.url).status_code == 200


ROLES = ["anonymous", "student", "enrolled", "teacher", "other_teacher", "staff"]
EXPECTED = {"anonymous": 302, "student": 403, "enrolled": 403, "teacher": 200, "other_teacher": 403, "staff": 200}


@pytest.mark.parametrize("role", ROLES)
def test_the_cohorts_page_by_role(role, course, student, teacher, other_teacher, staff_user):
    from lms.tests.factories import make_user

    enrolled = make_user(email="enrolled@example.com")
    enrollment = services.enrollment_create(student=enrolled, course=course, source="free")
    users = {"anonymous": None, "student": student, "enrolled": enrolled, "teacher": teacher}
    users |= {"other_teacher": other_teacher, "staff": staff_user}
    client = Client()
    if users[role]:
        client.force_login(users[role])
    url = f"/courses/teach/{course.pk}/cohorts/"
    assert client.get(url).status_code == EXPECTED[role]
    created = client.post(url, {"name": "May", "starts_at": "2030-05-01T09:00", "time_zone": "Asia/Kolkata"})
    allowed = role in ("teacher", "staff")
    assert created.status_code == (302 if allowed or role == "anonymous" else 403)
    assert Cohort.objects.filter(name="May").exists() == allowed
    if allowed:
        # Read in the cohort's zone (India, UTC+5:30), whoever types it.
        assert Cohort.objects.get().starts_at == datetime(2030, 5, 1, 3, 30, tzinfo=UTC)
        moved = client.post(url, {"action": "move", "enrollment": enrollment.pk, "cohort": Cohort.objects.get().pk})
        assert moved.status_code == 302
        assert Enrollment.objects.get(pk=enrollment.pk).cohort.name == "May"


def test_bad_cohort_input_is_refused_with_a_message(course, teacher):
    client = Client()
    client.force_login(teacher)
    url = f"/courses/teach/{course.pk}/cohorts/"
    client.post(url, {"name": "May", "starts_at": "2030-05-01T09:00", "time_zone": "UTC"})
    for data, message in [
        ({"name": "May", "starts_at": "2030-06-01T09:00", "time_zone": "UTC"}, "already has a cohort"),
        # 01:30 on 31 March 2030 does not exist in London (the clocks jump from 01:00 to 02:00).
        ({"name": "Gap", "starts_at": "2030-03-31T01:30", "time_zone": "Europe/London"}, "does not exist"),
        ({"name": "Zone", "starts_at": "2030-06-01T09:00", "time_zone": "Mars/Olympus"}, "correct the errors"),
    ]:
        response = client.post(url, data)
        assert response.status_code == 400 and message in response.content.decode()
    assert Cohort.objects.count() == 1
