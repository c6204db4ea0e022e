"""Courses in several languages: a teacher translates a course with Wagtail's "Translate"
action; the catalog shows each course once, in the viewer's language where it has that
version, and filters by the language a course is written in."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.models import Locale

from courses import services
from courses.models import CourseIndexPage, CoursePage, LessonPage
from courses.tests.factories import make_course

pytestmark = pytest.mark.django_db


def translate(client, course, language: str) -> CoursePage:
    """The teacher's "Translate" in the teaching studio, with the lessons; the copy is then
    written in the language and published."""
    locale = Locale.objects.get(language_code=language)
    response = client.post(
        f"/cms/translation/submit/page/{course.pk}/", {"locales": [locale.pk], "include_subtree": "on"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    copy = course.get_translation(locale)
    return copy


def publish(page, **fields):
    for name, value in fields.items():
        setattr(page, name, value)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def test_the_catalog_has_a_page_in_every_content_language_beside_the_original(teacher):
    index = services.catalog_page_ensure()
    copies = {page.locale.language_code: page for page in index.get_translations()}
    assert set(copies) == {"es", "hi", "ar"}
    for code, page in copies.items():
        assert page.live and page.get_parent().pk == index.get_parent().pk
        assert page.url == f"/courses-{code}/"
    assert services.catalog_page_ensure().pk == index.pk  # idempotent
    assert CourseIndexPage.objects.count() == 4


def test_a_teacher_translates_a_course_and_viewers_see_their_language_version(client, teacher):
    course = make_course(teacher, title="Graph Theory", modules=1, lessons=2)
    other = make_course(teacher, title="Poetry Workshop", modules=1, lessons=1)
    client.force_login(teacher)
    spanish = translate(client, course, "es")
    assert spanish.get_parent().specific.locale.language_code == "es"
    lessons = LessonPage.objects.descendant_of(spanish)
    assert lessons.count() == 2  # the lessons came too, as drafts to translate
    publish(spanish, title="Teoría de grafos", summary="Caminos y ciclos")
    for lesson in lessons:
        publish(lesson.specific)

    spanish_catalog = Client(HTTP_ACCEPT_LANGUAGE="es").get("/courses/").content.decode()
    assert "Teoría de grafos" in spanish_catalog and "Graph Theory" not in spanish_catalog
    assert "Poetry Workshop" in spanish_catalog  # no Spanish version: shown as written
    english_catalog = Client(HTTP_ACCEPT_LANGUAGE="en").get("/courses/").content.decode()
    assert "Graph Theory" in english_catalog and "Teoría de grafos" not in english_catalog
    hindi_catalog = Client(HTTP_ACCEPT_LANGUAGE="hi").get("/courses/").content.decode()
    assert "Graph Theory" in hindi_catalog and "Teoría de grafos" not in hindi_catalog

    # The filter by the language a course is written in.
    only_spanish = Client(HTTP_ACCEPT_LANGUAGE="en").get("/courses/", {"language": "es"}).content.decode()
    assert "Teoría de grafos" in only_spanish
    assert "Graph Theory" not in only_spanish and "Poetry Workshop" not in only_spanish
    only_english = Client().get("/courses/", {"language": "en-gb"}).content.decode()
    assert "Graph Theory" in only_english and other.title in only_english and "Teoría" not in only_english

    # The Spanish version has its own address, and says it is also in English.
    page = Client().get(spanish.url)
    assert page.status_code == 200 and spanish.url.startswith("/courses-es/")
    assert f'href="{course.url}"' in page.content.decode()
    assert f'href="{spanish.url}"' in Client().get(course.url).content.decode()


def test_another_teacher_cannot_translate_a_course_they_do_not_teach(client, teacher, other_teacher):
    course = make_course(teacher, title="Graph Theory", modules=1, lessons=1)
    client.force_login(other_teacher)
    locale = Locale.objects.get(language_code="es")
    response = client.post(f"/cms/translation/submit/page/{course.pk}/", {"locales": [locale.pk]})
    assert response.status_code in {302, 403}
    assert course.get_translations().count() == 0


def test_the_catalog_keeps_a_constant_number_of_queries_with_translations(
    client, teacher, django_assert_max_num_queries
):
    for n in range(3):
        make_course(teacher, title=f"Course {n}", modules=1, lessons=1)
    client.get("/courses/", HTTP_ACCEPT_LANGUAGE="es")  # warm the shared caches
    with CaptureQueriesContext(connection) as few:
        client.get("/courses/?language=en-gb", HTTP_ACCEPT_LANGUAGE="es")
    baseline = len(few.captured_queries)  # now: the next request empties the connection's log
    assert baseline <= 12
    for n in range(3, 9):
        make_course(teacher, title=f"Course {n}", modules=1, lessons=1)
    client.get("/courses/", HTTP_ACCEPT_LANGUAGE="es")  # the new courses moved the caches on: warm them again
    with django_assert_max_num_queries(baseline):
        client.get("/courses/?language=en-gb", HTTP_ACCEPT_LANGUAGE="es")
