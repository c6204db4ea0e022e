"""What a signed-in person sees is read for each request: every change to their enrollments,
progress, quizzes, notifications, classes and payments — or to the site — shows on their next
request, and one person never sees another's. (These were the invalidation tests of the
per-user page cache; that cache is gone, the behaviour they guard is not.)"""

import re
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from billing.models import Payment, Plan
from courses import services
from courses.models import Enrollment
from courses.tests.factories import lessons_of, make_course
from live import services as live_services
from live.tests.factories import availability_set
from lms import services as lms_services
from lms.models import Role
from lms.tests.factories import make_user

pytestmark = pytest.mark.django_db

DASHBOARD = "/dashboard/student/"


@pytest.fixture
def course(teacher):
    return make_course(teacher, title="Fresh Course", modules=1, lessons=3, quiz_in_last=False, preview_first=False)


@pytest.fixture
def enrolled(course):
    student = make_user(Role.STUDENT, display_name="Lena Learner")
    services.course_enroll(student=student, course=course)
    return student


def _get(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _panels(client) -> str:
    """The student dashboard without its notifications card (which tells of the change)."""
    html = _get(client, DASHBOARD)
    return html.split('aria-labelledby="recent-notifications-heading"')[0]


def test_completing_a_lesson_shows_in_the_outline_and_dashboard(client, enrolled, course):
    first, second, _third = lessons_of(course)
    client.force_login(enrolled)
    assert "0 of 3 lessons done" in _get(client, second.url)
    assert "0 of 3 lessons" in _get(client, DASHBOARD)
    services.lesson_complete(student=enrolled, lesson=first)
    html = _get(client, second.url)
    assert "1 of 3 lessons done" in html and html.count('<span class="sr-only">Completed:</span>') == 1
    assert "1 of 3 lessons" in _get(client, DASHBOARD)


def test_lesson_statuses_are_said_in_text_not_emoji(client, enrolled, course):
    first, second, _third = lessons_of(course)
    visitor_html = _get(client, course.url)
    assert visitor_html.count('<span class="sr-only">Locked:</span>') == 3
    client.force_login(enrolled)
    services.lesson_complete(student=enrolled, lesson=first)
    html = _get(client, second.url)
    assert html.count('<span class="sr-only">Completed:</span>') == 1
    assert html.count('<span class="sr-only">Not completed:</span>') == 2
    assert not {"✔", "○", "🔒"} & set(visitor_html + html)


def test_completing_through_the_view_shows_at_once(client, enrolled, course):
    first = lessons_of(course)[0]
    client.force_login(enrolled)
    _get(client, first.url)
    client.post(f"/courses/lessons/{first.pk}/complete/")
    assert "1 of 3 lessons done" in _get(client, first.url)


def test_an_ended_enrollment_locks_the_lesson_at_once(client, enrolled, course):
    lesson = lessons_of(course)[1]
    client.force_login(enrolled)
    _get(client, lesson.url)
    services.enrollment_end(enrollment=Enrollment.objects.get(student=enrolled), reason="Refunded")
    assert client.get(lesson.url).status_code == 403
    assert "Fresh Course" not in _panels(client)


def test_an_enrollment_changed_outside_the_services_shows_too(client, enrolled, course):
    # E.g. staff editing the row in the Django admin, or a queryset update.
    lesson = lessons_of(course)[0]
    client.force_login(enrolled)
    _get(client, lesson.url)
    Enrollment.objects.filter(student=enrolled).update(status=Enrollment.Status.ENDED)
    assert client.get(lesson.url).status_code == 403
    Enrollment.objects.filter(student=enrolled).delete()
    assert client.get(lesson.url).status_code == 403


def test_enrolling_opens_a_lesson_that_was_locked(client, course):
    student = make_user(Role.STUDENT)
    lesson = lessons_of(course)[0]
    client.force_login(student)
    assert client.get(lesson.url).status_code == 403
    services.course_enroll(student=student, course=course)
    assert client.get(lesson.url).status_code == 200


def test_one_student_never_sees_anothers_progress(client, enrolled, course):
    lesson = lessons_of(course)[1]
    services.lesson_complete(student=enrolled, lesson=lessons_of(course)[0])
    client.force_login(enrolled)
    assert "1 of 3 lessons done" in _get(client, lesson.url)
    other = make_user(Role.STUDENT, display_name="Otto Other")
    client.force_login(other)
    assert client.get(lesson.url).status_code == 403
    assert "Fresh Course" not in _get(client, DASHBOARD)
    services.course_enroll(student=other, course=course)
    html = _get(client, lesson.url)
    assert "0 of 3 lessons done" in html and '<span class="sr-only">Completed:</span>' not in html
    assert "Otto Other" in html and "Lena Learner" not in html


def test_a_quiz_attempt_shows_on_the_next_request(client, teacher):
    quiz_course = make_course(teacher, title="Quiz Course", modules=1, lessons=1, preview_first=False)
    lesson = lessons_of(quiz_course)[0]
    student = make_user(Role.STUDENT)
    services.course_enroll(student=student, course=quiz_course)
    client.force_login(student)
    assert "2 attempts" in _get(client, lesson.url)
    services.quiz_submit(student=student, lesson=lesson, answers={"0": ["0"], "1": ["1"], "2": ["false"], "3": ["x"]})
    assert "not quite" in _get(client, lesson.url)


def test_continue_follows_the_last_lesson_opened(client, enrolled, course):
    first, _second, third = lessons_of(course)
    client.force_login(enrolled)
    assert f'href="{first.url}">Start' in _get(client, DASHBOARD)
    _get(client, third.url)
    assert f'href="{third.url}">Start' in _get(client, DASHBOARD)
    services.lesson_complete(student=enrolled, lesson=third)
    assert f"Continue: {first.title}" in _get(client, course.url)


def test_a_new_notification_shows_and_reading_it_clears(client, enrolled, course):
    lms_services.notifications_mark_all_read(user=enrolled)  # the enrollment's own notification
    url = lessons_of(course)[1].url
    client.force_login(enrolled)
    assert "Notifications, " not in _get(client, url)
    lms_services.notify(user=enrolled, kind="account", title="Welcome back", email=False)
    assert 'aria-label="Notifications, 1 unread"' in _get(client, url)
    lms_services.notifications_mark_all_read(user=enrolled)
    assert 'aria-label="Notifications, 1 unread"' not in _get(client, url)


def test_a_profile_change_shows_in_the_header(client, enrolled, course):
    client.force_login(enrolled)
    _get(client, course.url)
    enrolled.display_name = "Lena Renamed"
    enrolled.save()
    assert "Lena Renamed" in _get(client, course.url)


def test_a_booked_class_shows_on_the_dashboard_and_its_cancellation_too(client, enrolled, teacher, time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 8, 0, tzinfo=UTC), tick=False)  # a Monday
    availability_set(teacher, zone="UTC")
    client.force_login(enrolled)
    _get(client, DASHBOARD)
    start = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
    live_class = live_services.booking_request(student=enrolled, teacher=teacher, start=start, note="Algebra")
    live_services.booking_approve(actor=teacher, live_class_id=live_class.pk)
    link = f'href="/live/classes/{live_class.pk}/"'
    assert link in _get(client, DASHBOARD)
    live_services.class_cancel(actor=teacher, live_class_id=live_class.pk, reason="Ill")
    assert link not in _panels(client)


def test_a_payment_shows_on_the_dashboard(client, enrolled, course):
    client.force_login(enrolled)
    _get(client, DASHBOARD)
    Payment.objects.create(
        user=enrolled,
        course=course,
        provider=Payment.Provider.TEST,
        amount=2500,
        currency="GBP",
        status=Payment.Status.SUCCEEDED,
        paid_at=timezone.now(),
    )
    assert "Recent payments" in _get(client, DASHBOARD)


def test_switching_on_a_plan_shows_in_the_navigation(client, enrolled, course):
    url = lessons_of(course)[1].url
    client.force_login(enrolled)
    assert 'href="/billing/plans/"' not in _get(client, url)
    Plan.objects.create(name="All access", slug="all-access", amount=1000, currency="GBP", is_active=True)
    assert 'href="/billing/plans/"' in _get(client, url)


def test_a_chat_message_shows_its_unread_badge_and_reading_clears_it(
    client, enrolled, teacher, course, django_capture_on_commit_callbacks
):
    from chat import realtime as chat_realtime
    from chat import services as chat_services

    url = lessons_of(course)[1].url
    chat_realtime.presence_beat(enrolled.pk)  # online in another tab: no notification, only the badge
    badge = re.compile(r'<span class="sr-only">, </span>(\d+)<span class="sr-only"> unread</span>')
    client.force_login(enrolled)
    assert badge.search(_get(client, url)).group(1) == "0"
    with django_capture_on_commit_callbacks(execute=True):
        conversation = chat_services.conversation_start(user=teacher, other=enrolled)
        message, _ = chat_services.message_post(sender=teacher, conversation=conversation, body="See you at ten")
    assert badge.search(_get(client, url)).group(1) == "1"
    with django_capture_on_commit_callbacks(execute=True):
        chat_services.conversation_mark_read(user=enrolled, conversation=conversation, message_id=message.pk)
    assert badge.search(_get(client, url)).group(1) == "0"


def test_a_page_carries_a_working_csrf_token(enrolled, course):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(enrolled)
    lesson = lessons_of(course)[1]
    page = _get(client, lesson.url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(f"/courses/lessons/{lesson.pk}/complete/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert "1 of 3 lessons done" in _get(client, lesson.url)
