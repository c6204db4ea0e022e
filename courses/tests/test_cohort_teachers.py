"""A cohort's own teachers, and announcements to one cohort: who is told, live and by notification."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from chat import services as chat_services
from chat.models import Announcement
from courses.services import CourseError, cohort_create, cohort_teachers_set, enrollment_create
from courses.tests.factories import make_course
from discussions import services as discussions
from lms.consumers import NotificationConsumer
from lms.models import AuditLogEntry, Notification
from lms.tests.factories import make_user


@pytest.fixture
def world(teacher, other_teacher, student):
    course = make_course(teacher, quiz_in_last=False)
    course.teachers.add(other_teacher)
    course.save()  # a ParentalManyToManyField is stored with its page
    now = timezone.now()
    spring = cohort_create(
        actor=teacher, course=course, name="Spring", starts_at=now + timedelta(days=1), time_zone="UTC"
    )
    ann = make_user(email="ann@example.com", display_name="Ann")
    enrollment_create(student=ann, course=course, source="free")  # joins Spring, the only one
    autumn = cohort_create(
        actor=teacher, course=course, name="Autumn", starts_at=now + timedelta(days=90), time_zone="UTC"
    )
    ben = make_user(email="ben@example.com", display_name="Ben")
    enrollment_create(student=ben, course=course, source="free")
    ben.enrollments.filter(course=course).update(cohort=autumn)
    return {"course": course, "spring": spring, "autumn": autumn, "ann": ann, "ben": ben}


def test_a_cohort_s_teachers_are_chosen_among_the_course_s_and_audited(world, teacher, other_teacher, student):
    stranger = make_user(role="teacher", email="stranger@example.com")
    with pytest.raises(CourseError, match="among the course's teachers"):
        cohort_teachers_set(actor=teacher, cohort=world["spring"], teachers=[stranger])
    cohort_teachers_set(actor=teacher, cohort=world["spring"], teachers=[other_teacher])
    assert list(world["spring"].teachers.all()) == [other_teacher]
    entry = AuditLogEntry.objects.get(action="cohort.teachers")
    assert entry.changes == {"teachers": [[], [other_teacher.pk]]}


def test_questions_go_to_the_askers_cohort_teachers(world, teacher, other_teacher):
    cohort_teachers_set(actor=teacher, cohort=world["spring"], teachers=[other_teacher])
    discussions.thread_start(author=world["ann"], course=world["course"], title="Spring question", body="?")
    discussions.thread_start(author=world["ben"], course=world["course"], title="Autumn question", body="?")

    def told(user):
        return set(Notification.objects.filter(user=user, kind="discussion").values_list("title", flat=True))

    assert told(other_teacher) == {
        "New discussion in Test Course: Spring question",
        "New discussion in Test Course: Autumn question",
    }
    assert told(teacher) == {"New discussion in Test Course: Autumn question"}  # Autumn has no teachers of its own


def test_the_cohorts_page_sets_a_cohort_s_teachers(world, teacher, other_teacher):
    client = Client()
    client.force_login(teacher)
    url = f"/courses/teach/{world['course'].pk}/cohorts/"
    page = client.get(url).content.decode()
    assert "A cohort&#x27;s teachers" in page or "A cohort's teachers" in page
    response = client.post(url, {"action": "teachers", "cohort": world["spring"].pk, "teachers": [other_teacher.pk]})
    assert response.status_code == 302
    assert list(world["spring"].teachers.all()) == [other_teacher]
    response = client.post(url, {"action": "teachers", "cohort": world["spring"].pk, "teachers": [999999]})
    assert response.status_code == 400 and "Choose a cohort and its teachers." in response.content.decode()
    assert list(world["spring"].teachers.all()) == [other_teacher]
    outsider = Client()
    outsider.force_login(make_user(role="teacher", email="x@example.com"))
    assert outsider.post(url, {"action": "teachers", "cohort": world["spring"].pk}).status_code == 403


def test_an_announcement_to_one_cohort_reaches_only_its_students(world, teacher, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        announcement = chat_services.announcement_post(
            teacher=teacher, course=world["course"], body="Spring: exam on Friday", cohort=world["spring"]
        )
    assert announcement.recipient_count == 1 and announcement.cohort == world["spring"]
    notes = Notification.objects.filter(kind="announcement")
    assert list(notes.values_list("user_id", "title")) == [(world["ann"].pk, "Announcement in Test Course · Spring")]
    other = make_course(teacher, title="Other")
    other_cohort = cohort_create(actor=teacher, course=other, name="X", starts_at=timezone.now(), time_zone="UTC")
    with pytest.raises(chat_services.ChatError, match="another course"):
        chat_services.announcement_post(teacher=teacher, course=world["course"], body="Hi", cohort=other_cohort)


def test_the_announcement_form_offers_the_cohorts(world, teacher):
    client = Client()
    client.force_login(teacher)
    url = f"/chat/announce/{world['course'].pk}/"
    html = client.get(url).content.decode()
    assert "Every student of the course" in html and "The “Autumn” cohort" in html
    response = client.post(url, {"body": "Autumn only", "cohort": world["autumn"].pk})
    assert response.status_code == 302
    assert Announcement.objects.get(body="Autumn only").cohort == world["autumn"]
    assert "the “Autumn” cohort" in client.get(url).content.decode()


async def test_a_cohort_announcement_arrives_live_on_its_students_pages_only(transactional_db, world, teacher):
    sockets = {}
    for name in ("ann", "ben"):
        sockets[name] = WebsocketCommunicator(NotificationConsumer.as_asgi(), "/ws/notifications/")
        sockets[name].scope["user"] = world[name]
        await sockets[name].connect()
        await sockets[name].receive_json_from()  # the bell's count
    await database_sync_to_async(chat_services.announcement_post)(
        teacher=teacher, course=world["course"], body="Spring only", cohort=world["spring"]
    )
    frame = await sockets["ann"].receive_json_from(timeout=3)
    while frame["type"] != "chat.announcement":  # the bell's new count may come first
        frame = await sockets["ann"].receive_json_from(timeout=3)
    assert frame["announcement"]["body"] == "Spring only"
    assert frame["announcement"]["course_title"] == "Test Course · Spring"
    while not await sockets["ben"].receive_nothing(timeout=0.5):
        assert (await sockets["ben"].receive_json_from())["type"] != "chat.announcement"
    for socket in sockets.values():
        await socket.disconnect()
