"""Signed-in users' whole-page cache (lms/pagecache.py) and the cached user (lms/backends.py):
a repeated page costs no query, and everything a user would notice changing shows on the
very next request — their notifications, profile, classes, payments, the site's plans —
while CSRF tokens and flash messages are never served stale."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.models import Payment, Plan
from courses import services as course_services
from courses.tests.factories import lessons_of, make_course
from live import services as live_services
from live.tests.factories import availability_set
from lms import pagecache, services
from lms.models import Role
from lms.tests.factories import make_user

pytestmark = pytest.mark.django_db

DASHBOARD = "/dashboard/student/"


@pytest.fixture
def course(teacher):
    return make_course(teacher, title="Cached Course", modules=1, lessons=3, quiz_in_last=False, preview_first=False)


@pytest.fixture
def learner(course):
    student = make_user(Role.STUDENT, display_name="Lena Learner")
    course_services.course_enroll(student=student, course=course)
    return student


@pytest.fixture
def lesson_url(course):
    return lessons_of(course)[1].url


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response


def _warm(client, url):
    """The first visit records the last lesson opened (a new version); the next is stored."""
    _get(client, url)
    _get(client, url)
    response = _get(client, url)
    assert response["X-Lyceum-Cache"] == "hit"
    return response


def test_a_repeated_lesson_page_and_dashboard_run_only_the_session_query(client, learner, lesson_url):
    client.force_login(learner)
    for url in (lesson_url, DASHBOARD):
        first = _get(client, url)
        _warm(client, url)
        with CaptureQueriesContext(connection) as queries:
            again = _get(client, url)
        assert again["X-Lyceum-Cache"] == "hit"
        # Sessions are in the database (they survive a Redis outage): one read, nothing else.
        assert [query["sql"].split(" FROM ")[1].split()[0] for query in queries.captured_queries] == [
            '"django_session"'
        ]
        assert "private" in again["Cache-Control"]
        assert "Lena Learner" in again.content.decode()
        assert len(again.content) == pytest.approx(len(first.content), abs=200)  # only the tokens differ


def test_a_cached_page_carries_a_fresh_working_csrf_token(learner, course, lesson_url):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    page = _warm(client, lesson_url).content.decode()
    assert pagecache.CSRF_PLACEHOLDER not in page
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page))
    assert tokens
    lesson = lessons_of(course)[1]
    response = client.post(f"/courses/lessons/{lesson.pk}/complete/", {"csrfmiddlewaretoken": tokens.pop()})
    assert response.status_code in (200, 302)
    assert "1 of 3 lessons done" in _get(client, lesson_url).content.decode()


def test_the_token_survives_a_new_login_of_the_same_user(learner, lesson_url):
    # Logging in rotates the CSRF secret: a page cached before must not carry the old token.
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    _warm(client, lesson_url)
    client.logout()
    client.force_login(learner)
    page = _get(client, lesson_url).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post("/notifications/read-all/", {"csrfmiddlewaretoken": token})
    assert response.status_code != 403


def test_a_flash_message_is_shown_once_and_never_cached(client, learner, lesson_url, course):
    client.force_login(learner)
    _warm(client, lesson_url)
    response = client.post(f"/courses/enroll/{course.pk}/")  # already enrolled: a message all the same
    assert response.status_code == 302
    shown = client.get(lesson_url)
    assert shown.get("X-Lyceum-Cache") != "hit"
    assert "Enjoy the course!" in shown.content.decode()
    again = _get(client, lesson_url)
    assert "Enjoy the course!" not in again.content.decode()


def test_a_new_notification_shows_on_the_cached_page_and_reading_it_clears(client, learner, lesson_url):
    services.notifications_mark_all_read(user=learner)  # the enrollment's own notification
    client.force_login(learner)
    assert "Notifications, " not in _warm(client, lesson_url).content.decode()
    services.notify(user=learner, kind="account", title="Welcome back", email=False)
    assert 'aria-label="Notifications, 1 unread"' in _get(client, lesson_url).content.decode()
    services.notifications_mark_all_read(user=learner)
    assert 'aria-label="Notifications, 1 unread"' not in _get(client, lesson_url).content.decode()


def test_a_profile_change_shows_in_the_header_at_once(client, learner, lesson_url):
    client.force_login(learner)
    _warm(client, lesson_url)
    learner.display_name = "Lena Renamed"
    learner.save()
    assert "Lena Renamed" in _get(client, lesson_url).content.decode()


def test_a_password_change_elsewhere_signs_out_the_cached_session(client, learner, lesson_url):
    client.force_login(learner)
    _warm(client, lesson_url)
    learner.set_password("a-brand-new-passphrase")
    learner.save()
    response = client.get(lesson_url)
    assert response.status_code == 403  # the visitor is anonymous now: the lesson is locked
    assert "Lena Learner" not in response.content.decode()


def test_a_deactivated_user_is_signed_out_at_once(client, learner, lesson_url):
    client.force_login(learner)
    _warm(client, lesson_url)
    learner.is_active = False
    learner.save()
    assert "Lena Learner" not in client.get(lesson_url).content.decode()


def test_one_user_never_gets_anothers_cached_page(client, learner, lesson_url, course):
    other = make_user(Role.STUDENT, display_name="Otto Other")
    course_services.course_enroll(student=other, course=course)
    course_services.lesson_complete(student=other, lesson=lessons_of(course)[0])
    client.force_login(learner)
    _warm(client, lesson_url)
    client.force_login(other)
    page = _get(client, lesson_url).content.decode()
    assert "Otto Other" in page and "Lena Learner" not in page
    assert "1 of 3 lessons done" in page


def test_a_booked_class_shows_on_the_cached_dashboard_and_its_cancellation_too(client, learner, teacher, time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 8, 0, tzinfo=UTC), tick=False)  # a Monday
    availability_set(teacher, zone="UTC")
    client.force_login(learner)
    _warm(client, DASHBOARD)
    start = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
    live_class = live_services.booking_request(student=learner, teacher=teacher, start=start, note="Algebra")
    live_services.booking_approve(actor=teacher, live_class_id=live_class.pk)
    link = f'href="/live/classes/{live_class.pk}/"'
    assert link in _get(client, DASHBOARD).content.decode()
    live_services.class_cancel(actor=teacher, live_class_id=live_class.pk, reason="Ill")
    assert link not in _get(client, DASHBOARD).content.decode()


def test_the_dashboard_is_rendered_again_as_the_clock_moves(client, learner, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    client.force_login(learner)
    _warm(client, DASHBOARD)
    time_machine.shift(timedelta(seconds=31))
    assert client.get(DASHBOARD).get("X-Lyceum-Cache") != "hit"


def test_a_payment_shows_on_the_cached_dashboard(client, learner, course):
    client.force_login(learner)
    _warm(client, DASHBOARD)
    Payment.objects.create(
        user=learner,
        course=course,
        provider=Payment.Provider.TEST,
        amount=2500,
        currency="GBP",
        status=Payment.Status.SUCCEEDED,
        paid_at=timezone.now(),
    )
    assert "Recent payments" in _get(client, DASHBOARD).content.decode()


def test_switching_on_a_plan_shows_in_every_cached_navigation(client, learner, lesson_url):
    client.force_login(learner)
    _warm(client, lesson_url)
    assert 'href="/billing/plans/"' not in _get(client, lesson_url).content.decode()
    Plan.objects.create(name="All access", slug="all-access", amount=1000, currency="GBP", is_active=True)
    assert 'href="/billing/plans/"' in _get(client, lesson_url).content.decode()


def test_a_change_bumps_the_version_now_and_again_on_commit(learner, django_capture_on_commit_callbacks):
    # A render that read the old rows between the two bumps is stored under the middle
    # number, which the commit then leaves behind.
    before = pagecache.user_version(learner.pk)
    with django_capture_on_commit_callbacks(execute=True):
        pagecache.user_changed(learner.pk)
        during = pagecache.user_version(learner.pk)
    assert before < during < pagecache.user_version(learner.pk)


def test_a_chat_message_shows_its_unread_badge_on_the_cached_page_and_reading_clears_it(
    client, learner, teacher, lesson_url, django_capture_on_commit_callbacks
):
    from chat import realtime as chat_realtime
    from chat import services as chat_services

    chat_realtime.presence_beat(learner.pk)  # online in another tab: no notification, only the badge
    badge = re.compile(r'<span class="sr-only">, </span>(\d+)<span class="sr-only"> unread</span>')
    client.force_login(learner)
    assert badge.search(_warm(client, lesson_url).content.decode()).group(1) == "0"
    with django_capture_on_commit_callbacks(execute=True):
        conversation = chat_services.conversation_start(user=teacher, other=learner)
        message, _ = chat_services.message_post(sender=teacher, conversation=conversation, body="See you at ten")
    assert badge.search(_get(client, lesson_url).content.decode()).group(1) == "1"
    with django_capture_on_commit_callbacks(execute=True):
        chat_services.conversation_mark_read(user=learner, conversation=conversation, message_id=message.pk)
    assert badge.search(_get(client, lesson_url).content.decode()).group(1) == "0"
