"""The per-user caches of the lesson page and the student dashboard (courses/cache.py): every
change to a student's enrollments, progress or certificates shows on the next request, and
one student never sees another's cached data."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses import services
from courses.models import Enrollment
from courses.tests.factories import lessons_of, make_course
from lms import pagecache
from lms.models import Role
from lms.tests.factories import make_user

pytestmark = pytest.mark.django_db

DASHBOARD = "/dashboard/student/"


@pytest.fixture
def course(teacher):
    return make_course(teacher, title="Cached Course", modules=1, lessons=3, quiz_in_last=False, preview_first=False)


@pytest.fixture
def enrolled(course):
    student = make_user(Role.STUDENT)
    services.course_enroll(student=student, course=course)
    return student


def _get(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def test_completing_a_lesson_updates_the_cached_outline_and_dashboard(client, enrolled, course):
    first, second, _third = lessons_of(course)
    client.force_login(enrolled)
    assert "0 of 3 lessons done" in _get(client, second.url)
    assert "0 of 3 lessons" in _get(client, DASHBOARD)
    assert "0 of 3 lessons done" in _get(client, second.url)  # served from the cache

    services.lesson_complete(student=enrolled, lesson=first)

    assert "1 of 3 lessons done" in _get(client, second.url)
    assert "1 of 3 lessons" in _get(client, DASHBOARD)


def test_completing_through_the_view_shows_at_once(client, enrolled, course):
    first = lessons_of(course)[0]
    client.force_login(enrolled)
    _get(client, first.url)
    client.post(f"/courses/lessons/{first.pk}/complete/")
    assert "1 of 3 lessons done" in _get(client, first.url)


def test_ended_enrollment_locks_the_lesson_at_once(client, enrolled, course):
    lesson = lessons_of(course)[1]
    client.force_login(enrolled)
    _get(client, lesson.url)
    _get(client, lesson.url)  # the enrollment is cached now

    services.enrollment_end(enrollment=Enrollment.objects.get(student=enrolled), reason="Refunded")

    assert client.get(lesson.url).status_code == 403
    assert "Cached Course" not in _get(client, DASHBOARD)


def test_enrollment_changed_outside_the_services_still_invalidates(client, enrolled, course):
    # E.g. staff editing the row in the Django admin: a plain save() sends post_save.
    lesson = lessons_of(course)[0]
    client.force_login(enrolled)
    _get(client, lesson.url)
    enrollment = Enrollment.objects.get(student=enrolled)
    enrollment.status = Enrollment.Status.ENDED
    enrollment.save()
    assert client.get(lesson.url).status_code == 403
    enrollment.delete()
    assert client.get(lesson.url).status_code == 403


def test_enrolling_opens_a_lesson_that_was_cached_as_locked(client, course):
    student = make_user(Role.STUDENT)
    lesson = lessons_of(course)[0]
    client.force_login(student)
    assert client.get(lesson.url).status_code == 403
    assert client.get(lesson.url).status_code == 403
    services.course_enroll(student=student, course=course)
    assert client.get(lesson.url).status_code == 200


def test_another_student_never_sees_the_first_students_cache(client, enrolled, course):
    lesson = lessons_of(course)[1]
    services.lesson_complete(student=enrolled, lesson=lessons_of(course)[0])
    client.force_login(enrolled)
    assert "1 of 3 lessons done" in _get(client, lesson.url)
    assert "Cached Course" in _get(client, DASHBOARD)

    other = make_user(Role.STUDENT)
    client.force_login(other)
    assert client.get(lesson.url).status_code == 403
    assert "Cached Course" not in _get(client, DASHBOARD)

    services.course_enroll(student=other, course=course)
    assert "0 of 3 lessons done" in _get(client, lessons_of(course)[0].url)


def test_a_cached_lesson_runs_no_query(client, enrolled, course):
    lesson = lessons_of(course)[0]
    client.force_login(enrolled)
    _get(client, lesson.url)  # records the last lesson opened: a new version
    pagecache.user_changed(enrolled.pk)
    with CaptureQueriesContext(connection) as miss:
        _get(client, lesson.url)
    with CaptureQueriesContext(connection) as hit:
        _get(client, lesson.url)
    assert any("courses_enrollment" in q["sql"] for q in miss.captured_queries)
    # The whole page and the user come from the cache; the session from the database.
    assert [q["sql"] for q in hit.captured_queries if "django_session" not in q["sql"]] == []


def test_an_evicted_version_never_restarts_at_an_old_number(enrolled):
    before = pagecache.user_version(enrolled.pk)
    cache.delete(pagecache.USER_VERSION_KEY.format(enrolled.pk))
    after = pagecache.user_version(enrolled.pk)
    assert after > before


def test_view_restriction_added_later_applies_at_once(client, enrolled, course):
    from wagtail.models import PageViewRestriction

    lesson = lessons_of(course)[1]
    client.force_login(enrolled)
    assert "LESSON-BODY-2" in _get(client, lesson.url)
    assert "LESSON-BODY-2" in _get(client, lesson.url)  # "no restriction" is cached now
    restriction = PageViewRestriction.objects.create(
        page=course, restriction_type=PageViewRestriction.PASSWORD, password="s3cret"
    )
    assert "LESSON-BODY-2" not in client.get(lesson.url).content.decode()
    restriction.delete()
    assert "LESSON-BODY-2" in _get(client, lesson.url)


def test_unpublished_lesson_is_gone_at_once(client, enrolled, course):
    lesson = lessons_of(course)[1]
    client.force_login(enrolled)
    _get(client, lesson.url)
    _get(client, lesson.url)  # the page found by its path is cached now
    lesson.unpublish()
    assert client.get(lesson.url).status_code == 404


def test_cached_outline_ticks_follow_progress_and_stay_per_user(client, enrolled, course):
    first, second, _third = lessons_of(course)
    client.force_login(enrolled)
    assert 'aria-label="Completed"' not in _get(client, second.url)
    services.lesson_complete(student=enrolled, lesson=first)
    assert _get(client, second.url).count('aria-label="Completed"') == 1

    other = make_user(Role.STUDENT)
    services.course_enroll(student=other, course=course)
    client.force_login(other)
    assert 'aria-label="Completed"' not in _get(client, second.url)


def test_cached_lesson_body_follows_a_new_revision(client, enrolled, course, teacher):
    import json
    import uuid

    lesson = lessons_of(course)[1]
    client.force_login(enrolled)
    assert "LESSON-BODY-2" in _get(client, lesson.url)
    assert "LESSON-BODY-2" in _get(client, lesson.url)
    lesson.body = json.dumps([{"type": "paragraph", "id": str(uuid.uuid4()), "value": "<p>REWRITTEN</p>"}])
    lesson.save_revision(user=teacher).publish()
    html = _get(client, lesson.url)
    assert "REWRITTEN" in html and "LESSON-BODY-2" not in html


def test_a_lesson_with_a_quiz_is_rendered_for_each_viewer(client, teacher):
    quiz_course = make_course(teacher, title="Quiz Course", modules=1, lessons=1, preview_first=False)
    lesson = lessons_of(quiz_course)[0]
    student = make_user(Role.STUDENT)
    services.course_enroll(student=student, course=quiz_course)
    client.force_login(student)
    assert "2 attempts left" in _get(client, lesson.url)
    services.quiz_submit(student=student, lesson=lesson, answers={"0": ["0"], "1": ["1"], "2": ["false"], "3": ["x"]})
    assert "1 attempt left" in _get(client, lesson.url)


def test_saving_a_site_or_view_restriction_starts_a_new_generation(course):
    from wagtail.models import Site

    before = pagecache.generation()
    Site.objects.get(is_default_site=True).save()
    assert pagecache.generation() != before
