from datetime import timedelta

import pytest

from courses.services import enrollment_create
from courses.tests.factories import make_course
from live import services
from live.models import LiveClass, Participant
from live.services import BookingError
from live.tests.conftest import NOW
from lms.models import Notification, Role
from lms.tests.factories import make_user


@pytest.fixture
def course(teacher, clock):
    return make_course(teacher, title="Statistics", modules=1, lessons=1, quiz_in_last=False)


def enrolled_student(course, **fields):
    student = make_user(Role.STUDENT, **fields)
    enrollment_create(student=student, course=course, source="free")
    return student


@pytest.fixture
def group_class(course, teacher, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.group_class_create(
            teacher=teacher, course=course, start=NOW + timedelta(days=2), minutes=60, capacity=2
        )


def test_teacher_schedules_a_confirmed_class_with_a_link(group_class, course):
    assert group_class.status == LiveClass.Status.CONFIRMED and group_class.kind == "group"
    assert group_class.meeting_url and group_class.title == "Live class: Statistics"
    assert group_class.course_id == course.pk


def test_only_the_courses_teachers_schedule(course, other_teacher):
    with pytest.raises(BookingError, match="courses you teach"):
        services.group_class_create(
            teacher=other_teacher, course=course, start=NOW + timedelta(days=2), minutes=60, capacity=5
        )


def test_group_class_blocks_the_teachers_time(group_class, course, teacher):
    with pytest.raises(BookingError, match="already have a class"):
        services.group_class_create(
            teacher=teacher, course=course, start=group_class.start + timedelta(minutes=30), minutes=60, capacity=5
        )


def test_enrolled_students_register_then_waitlist_moves_up(
    group_class, course, django_capture_on_commit_callbacks, mailoutbox
):
    first, second, third = (enrolled_student(course) for _ in range(3))
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.group_class_register(student=first, live_class_id=group_class.pk).status == "registered"
        assert services.group_class_register(student=second, live_class_id=group_class.pk).status == "registered"
        assert services.group_class_register(student=third, live_class_id=group_class.pk).status == "waitlisted"
    with pytest.raises(BookingError, match="already registered"):
        services.group_class_register(student=first, live_class_id=group_class.pk)
    invited = {m.to[0] for m in mailoutbox if m.attachments}
    assert invited == {first.email, second.email}
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.group_registration_cancel(student=first, live_class_id=group_class.pk)
    assert Participant.objects.get(student=third).status == "registered"
    assert Notification.objects.filter(user=third, title__contains="place opened").exists()
    assert {m.to[0] for m in mailoutbox if m.attachments} == {first.email, third.email}


def test_students_without_enrollment_cannot_register(group_class, student):
    with pytest.raises(BookingError, match="Enrol"):
        services.group_class_register(student=student, live_class_id=group_class.pk)


def test_each_student_sees_only_themself_in_the_invitation(
    group_class, course, mailoutbox, django_capture_on_commit_callbacks
):
    from icalendar import Calendar

    a, b = enrolled_student(course), enrolled_student(course)
    with django_capture_on_commit_callbacks(execute=True):
        services.group_class_register(student=a, live_class_id=group_class.pk)
        services.group_class_register(student=b, live_class_id=group_class.pk)
    message = next(m for m in mailoutbox if m.to == [b.email] and m.attachments)
    (event,) = Calendar.from_ical(message.attachments[0][1]).walk("VEVENT")
    attendees = {str(x) for x in event.get("attendee")}
    assert f"mailto:{b.email}" in attendees and f"mailto:{a.email}" not in attendees


def test_course_page_panel_and_htmx_registration(group_class, course, teacher):
    from django.test import Client, RequestFactory
    from django.urls import reverse

    from lms.infra import panels

    student = enrolled_student(course)
    request = RequestFactory().get("/")
    request.user = teacher
    assert "Schedule a group class" in panels.render_slot("course_page", request, course=course)
    request.user = student
    html = panels.render_slot("course_page", request, course=course)
    assert "Register" in html and "book with" not in html
    from live.tests.factories import availability_set

    availability_set(teacher)
    assert f"book with {teacher.name}" in panels.render_slot("course_page", request, course=course)

    client = Client(headers={"HX-Request": "true"})
    client.force_login(student)
    response = client.post(reverse("live:group_register", args=[group_class.pk]))
    assert response.status_code == 200 and "You have a place" in response.content.decode()
    response = client.post(reverse("live:group_register", args=[group_class.pk]))
    assert response.status_code == 422 and "already registered" in response.content.decode()
    response = client.post(reverse("live:group_leave", args=[group_class.pk]))
    assert response.status_code == 200 and "You have left" in response.content.decode()


def test_teacher_cancels_a_group_class_and_everyone_hears(
    group_class, course, teacher, mailoutbox, django_capture_on_commit_callbacks
):
    a, b, waiting = (enrolled_student(course) for _ in range(3))
    for student in (a, b, waiting):
        services.group_class_register(student=student, live_class_id=group_class.pk)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.class_cancel(actor=teacher, live_class_id=group_class.pk, reason="Snow day")
    cancels = {m.to[0] for m in mailoutbox if any(x[0] == "invite.ics" for x in m.attachments)}
    assert cancels == {teacher.email, a.email, b.email}
    for student in (a, b, waiting):
        assert Notification.objects.filter(user=student, title__contains="cancel").exists()
    with pytest.raises(BookingError, match="not open"):
        services.group_class_register(student=enrolled_student(course), live_class_id=group_class.pk)
