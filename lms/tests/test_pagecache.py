"""The shared page cache (lms/infra/pagecache.py): visitors get the catalog and course pages from it,
every request header that selects a response keys it, and every change its registry names
shows on the next request. Nothing signed-in people see is ever served from it."""

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.utils import timezone

from courses import services as course_services
from courses.models import Category
from courses.tests.factories import lessons_of, make_course
from live import services as live_services
from lms.infra import pagecache
from lms.models import Role
from lms.tests.factories import make_user

pytestmark = pytest.mark.django_db

CATALOG = "/courses/"
PARTIAL = {"HX-Request": "true", "HX-Target": "course-results"}


@pytest.fixture
def course(teacher):
    category = Category.objects.create(name="Mathematics", slug="mathematics")
    return make_course(teacher, title="Graph Theory", category=category, modules=1, lessons=2)


def _hit(response) -> bool:
    return response.get("X-Lyceum-Cache") == "hit"


def test_a_visitors_page_is_shared_and_runs_no_query(client, course, django_assert_num_queries):
    first = client.get(course.url)
    assert first.status_code == 200 and not _hit(first)
    with django_assert_num_queries(0):
        again = Client().get(course.url)  # another visitor
    assert _hit(again) and again.content == first.content


@pytest.mark.parametrize(
    "first_headers",
    [
        {"HX-Request": "true"},  # an htmx request without a target gets the whole page…
        {"HX-Request": "true", "HX-History-Restore-Request": "true"},  # …as does htmx's history restore
    ],
)
def test_a_whole_page_stored_for_an_htmx_request_never_answers_a_filter_request(client, course, first_headers):
    whole = client.get(CATALOG, {"q": "graph"}, headers=first_headers)
    assert "<html" in whole.content.decode()
    filtered = client.get(CATALOG, {"q": "graph"}, headers=PARTIAL)
    html = filtered.content.decode()
    assert filtered.status_code == 200 and "<html" not in html and 'id="course-results"' in html
    assert "Graph Theory" in html
    # And the other way round: a history restore after a filter request gets the whole page.
    restored = client.get(CATALOG, {"q": "graph"}, headers={**first_headers, "HX-Target": ""})
    assert "<html" in restored.content.decode()


def test_the_response_names_every_header_that_selects_it(client, course):
    response = client.get(CATALOG)
    vary = {v.strip().lower() for v in response["Vary"].split(",")}
    assert {"hx-request", "hx-target", "hx-history-restore-request"} <= vary
    assert {"hx-request", "hx-target"} <= {v.strip().lower() for v in client.get(CATALOG)["Vary"].split(",")}


def test_visitors_see_times_in_their_own_zone(client, teacher, course, time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 8, 0, tzinfo=UTC), tick=False)
    live_services.group_class_create(
        teacher=teacher, course=course, start=datetime(2026, 3, 4, 10, 0, tzinfo=UTC), minutes=60, capacity=10
    )
    assert "Wed, 4 Mar 2026, 10:00" in client.get(course.url).content.decode()
    tokyo = Client()
    tokyo.cookies["tz"] = "Asia/Tokyo"
    assert "Wed, 4 Mar 2026, 19:00" in tokyo.get(course.url).content.decode()


def test_a_visitors_page_carries_no_csrf_token(client, course):
    for url in (CATALOG, course.url):
        html = client.get(url).content.decode()
        assert "csrfmiddlewaretoken" not in html and "X-CSRFToken" not in html


def test_signed_in_people_never_get_a_visitors_page(client, course, student):
    assert "Log in to enroll for free" in client.get(course.url).content.decode()
    client.force_login(student)
    response = client.get(course.url)
    assert not _hit(response) and "Enroll for free" in response.content.decode()
    assert "Log in to enroll" not in response.content.decode()


def test_a_flash_message_is_shown_to_its_visitor_once_and_never_shared(client, course, student):
    client.get(course.url)  # stored
    client.force_login(student)
    client.post("/accounts/logout/")  # "You have signed out." waits for the next page
    shown = client.get(course.url)
    assert not _hit(shown) and "You have signed out" in shown.content.decode()
    assert "You have signed out" not in Client().get(course.url).content.decode()
    assert "You have signed out" not in client.get(course.url).content.decode()


# --- Every change in the registry shows on the next request ----------------------------------


def test_a_published_course_shows_in_the_cached_catalog_at_once(client, course, teacher):
    client.get(CATALOG)
    assert _hit(client.get(CATALOG))
    make_course(teacher, title="Second Course", modules=0)
    response = client.get(CATALOG)
    assert not _hit(response) and "Second Course" in response.content.decode()


def test_an_unpublished_lesson_leaves_the_cached_outline_at_once(client, course):
    lesson = lessons_of(course)[1]
    assert lesson.title in client.get(course.url).content.decode()
    lesson.unpublish()
    assert lesson.title not in client.get(course.url).content.decode()


def test_a_renamed_category_and_teacher_show_at_once(client, course, teacher):
    assert "Mathematics" in client.get(course.url).content.decode()
    category = Category.objects.get(pk=course.category_id)
    category.name = "Discrete Maths"
    category.save()
    assert "Discrete Maths" in client.get(course.url).content.decode()
    teacher.display_name = "Tessa Renamed"
    teacher.save()
    for url in (course.url, CATALOG):
        assert "Tessa Renamed" in client.get(url).content.decode()


def test_a_teachers_login_does_not_empty_the_shared_cache(client, course, teacher):
    client.get(course.url)
    teacher.last_login = timezone.now()
    teacher.save(update_fields=["last_login"])
    assert _hit(client.get(course.url))


def test_a_scheduled_group_class_and_its_seats_show_on_the_cached_course_page(client, teacher, course, time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 8, 0, tzinfo=UTC), tick=False)
    assert "places taken" not in client.get(course.url).content.decode()
    live_class = live_services.group_class_create(
        teacher=teacher, course=course, start=datetime(2026, 3, 4, 10, 0, tzinfo=UTC), minutes=60, capacity=10
    )
    assert "0 of 10 places taken" in client.get(course.url).content.decode()
    student = make_user(Role.STUDENT)
    course_services.course_enroll(student=student, course=course)
    live_services.group_class_register(student=student, live_class_id=live_class.pk)
    assert "1 of 10 places taken" in client.get(course.url).content.decode()


def test_a_view_restriction_added_later_applies_at_once(client, course):
    from wagtail.models import PageViewRestriction

    lesson = lessons_of(course)[0]  # a free preview
    assert "LESSON-BODY-1" in client.get(lesson.url).content.decode()
    assert "LESSON-BODY-1" in client.get(lesson.url).content.decode()  # "no restriction" is shared now
    restriction = PageViewRestriction.objects.create(
        page=course, restriction_type=PageViewRestriction.PASSWORD, password="s3cret"
    )
    assert "LESSON-BODY-1" not in client.get(lesson.url).content.decode()
    assert "LESSON-BODY-1" not in client.get(course.url).content.decode()
    restriction.delete()
    assert "LESSON-BODY-1" in client.get(lesson.url).content.decode()


def test_a_page_behind_a_password_is_never_shared(client, course):
    from wagtail.models import PageViewRestriction

    restriction = PageViewRestriction.objects.create(
        page=course, restriction_type=PageViewRestriction.PASSWORD, password="s3cret"
    )
    assert "Log in to enroll" not in client.get(course.url).content.decode()  # the password form
    action = f"/_util/authenticate_with_password/{restriction.pk}/{course.pk}/"
    client.post(action, {"password": "s3cret", "return_url": course.url})
    assert "Log in to enroll" in client.get(course.url).content.decode()  # this visitor passed
    other = Client().get(course.url)
    assert not _hit(other) and "Log in to enroll" not in other.content.decode()  # the next did not


def test_a_new_lesson_revision_replaces_the_shared_body(client, course, teacher):
    import json
    import uuid

    lesson = lessons_of(course)[0]
    assert "LESSON-BODY-1" in client.get(lesson.url).content.decode()
    lesson.body = json.dumps([{"type": "paragraph", "id": str(uuid.uuid4()), "value": "<p>REWRITTEN</p>"}])
    lesson.save_revision(user=teacher).publish()
    html = client.get(lesson.url).content.decode()
    assert "REWRITTEN" in html and "LESSON-BODY-1" not in html


def test_a_renamed_course_answers_at_its_new_address_at_once(client, course, teacher):
    """Routing reads the pages along a URL from the shared cache: a new slug shows at once."""
    lesson = lessons_of(course)[0]  # a free preview
    old_url = lesson.url
    assert client.get(old_url).status_code == 200
    assert client.get(old_url).status_code == 200  # routed from the shared cache now
    course.slug = "graph-theory-2"
    course.save_revision(user=teacher).publish()
    assert client.get(old_url).status_code == 404
    lesson.refresh_from_db()
    assert lesson.url != old_url and "LESSON-BODY-1" in client.get(lesson.url).content.decode()


def test_a_deleted_or_unpublished_lesson_is_gone_at_once(client, course):
    first, second = lessons_of(course)[:2]
    student = make_user(Role.STUDENT)
    course_services.course_enroll(student=student, course=course)
    client.force_login(student)
    for lesson in (first, second):
        assert client.get(lesson.url).status_code == 200
    second.unpublish()
    assert client.get(second.url).status_code == 404
    url = first.url
    first.delete()
    assert client.get(url).status_code == 404


def test_the_generation_moves_again_when_the_change_commits(django_capture_on_commit_callbacks):
    # A page rendered from the old rows between the two moves is stored under the middle number.
    before = pagecache.generation()
    with django_capture_on_commit_callbacks(execute=True):
        pagecache.changed()
        during = pagecache.generation()
    assert before < during < pagecache.generation()


def test_an_evicted_generation_never_restarts_at_an_old_number(course):
    from django.core.cache import cache

    before = pagecache.generation()
    cache.delete(pagecache.GENERATION_KEY)
    pagecache.changed()
    assert pagecache.generation() > before


def test_every_registered_sender_is_a_model(settings):
    from django.apps import apps

    for change in pagecache.CHANGES:
        if change.sender is not None:
            assert apps.get_model(change.sender)
