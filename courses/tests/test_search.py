"""Catalog search (courses/search.py): what a course is found by, the order of the results,
typos, and what it must never reveal. PostgreSQL's full-text search runs where marked; the
rest holds on SQLite's simple fallback too."""

import json
import re
import uuid

import pytest
from django.core.management import call_command
from django.db import connection

from courses.models import CourseSearchDocument, SearchTerm
from courses.tests.factories import lessons_of, make_course

pytestmark = pytest.mark.django_db

CATALOG = "/courses/"


def _titles(client, q: str, **params) -> list[str]:
    """The course titles the catalog lists for `q`, in order."""
    response = client.get(CATALOG, {"q": q, **params}, headers={"HX-Request": "true", "HX-Target": "course-results"})
    assert response.status_code == 200
    return re.findall(r'<h2 class="section-title"[^>]*><a href="[^"]*">([^<]+)</a>', response.content.decode())


def _write_lesson(lesson, teacher, text: str) -> None:
    lesson.body = json.dumps([{"type": "paragraph", "id": str(uuid.uuid4()), "value": f"<p>{text}</p>"}])
    lesson.save_revision(user=teacher).publish()


@pytest.fixture
def catalog(teacher):
    python = make_course(teacher, title="Python Basics", modules=1, lessons=2)
    poetry = make_course(teacher, title="Poetry Workshop", modules=1, lessons=2)
    return python, poetry


def test_words_prefixes_and_typos(client, catalog):
    assert _titles(client, "python") == ["Python Basics"]
    assert _titles(client, "pyth") == ["Python Basics"]  # typed so far
    html = client.get(CATALOG, {"q": "pyhton"}).content.decode()
    assert "Python Basics" in html and "Showing results for" in html and "python" in html
    assert _titles(client, "zzzzqqq") == []
    assert "No courses match these filters" in client.get(CATALOG, {"q": "zzzzqqq"}).content.decode()


def test_no_suggestion_when_the_query_is_known(client, catalog):
    html = client.get(CATALOG, {"q": "poetry"}).content.decode()
    assert "Poetry Workshop" in html and "Showing results for" not in html and "Did you mean" not in html


def test_search_keeps_the_filters(client, teacher, catalog):
    make_course(teacher, title="Python Advanced", price="20", modules=0)
    assert sorted(_titles(client, "python")) == ["Python Advanced", "Python Basics"]
    assert _titles(client, "python", price="paid") == ["Python Advanced"]


@pytest.mark.postgres
def test_title_outranks_summary_and_description(client, teacher):
    make_course(teacher, title="Cooking for Students", summary="Meals on a budget.", modules=0)
    make_course(teacher, title="Budget Travel", summary="See the world.", modules=0)
    make_course(teacher, title="Home Economics", summary="A budget for every household.", modules=0)
    make_course(
        teacher, title="Spreadsheets", summary="Tables.", description="<p>Keep a household budget.</p>", modules=0
    )
    titles = _titles(client, "budget")
    assert titles[0] == "Budget Travel" and titles[-1] == "Spreadsheets"  # title A, summary B, description C
    assert set(titles[1:3]) == {"Cooking for Students", "Home Economics"}
    # Sorting by something else still only lists the matches.
    assert sorted(_titles(client, "budget", sort="title")) == sorted(_titles(client, "budget"))


@pytest.mark.postgres
def test_websearch_syntax(client, teacher):
    make_course(teacher, title="Python for Data", modules=0)
    make_course(teacher, title="Python for the Web", modules=0)
    assert _titles(client, "python -web") == ["Python for Data"]
    assert _titles(client, '"for the web"') == ["Python for the Web"]
    assert sorted(_titles(client, "data or web")) == ["Python for Data", "Python for the Web"]


@pytest.mark.postgres
def test_lesson_titles_and_free_preview_text_are_found(client, teacher, catalog):
    python, _poetry = catalog
    preview, _locked = lessons_of(python)
    _write_lesson(preview, teacher, "We meet a zanzibar of ideas.")
    assert _titles(client, "zanzibar") == ["Python Basics"]
    preview.title = "Decorators explained"
    preview.save_revision(user=teacher).publish()
    assert _titles(client, "decorators") == ["Python Basics"]


@pytest.mark.postgres
def test_a_locked_lessons_words_are_never_found_nor_suggested(client, teacher, catalog):
    python, _poetry = catalog
    _preview, locked = lessons_of(python)
    assert not locked.free_preview
    _write_lesson(locked, teacher, "The secret word is quokkasaurus.")
    html = client.get(CATALOG, {"q": "quokkasaurus"}).content.decode()
    assert "Python Basics" not in html
    # Nor through a typo of it: the vocabulary holds only what visitors may read.
    assert not SearchTerm.objects.filter(word__icontains="quokka").exists()
    assert "quokkasaurus" not in client.get(CATALOG, {"q": "quokkasaurs"}).content.decode()
    # A quiz's answers are not searchable either, even in a free preview.
    assert "Python Basics" not in client.get(CATALOG, {"q": "Paris"}).content.decode()


@pytest.mark.postgres
def test_the_index_follows_unpublishing_and_deleting(client, teacher, catalog):
    python, _poetry = catalog
    _preview, locked = lessons_of(python)
    locked.title = "Generators in depth"
    locked.save_revision(user=teacher).publish()
    assert _titles(client, "generators") == ["Python Basics"]
    locked.unpublish()
    assert _titles(client, "generators") == []
    locked.save_revision(user=teacher).publish()
    assert _titles(client, "generators") == ["Python Basics"]
    locked.delete()
    assert _titles(client, "generators") == []
    python.unpublish()
    assert _titles(client, "python") == []


@pytest.mark.postgres
def test_postgres_has_the_extension_and_indexes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone() is not None
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname IN "
            "('courses_search_document_gin', 'courses_searchterm_word_trgm') ORDER BY indexname"
        )
        assert [row[0] for row in cursor.fetchall()] == [
            "courses_search_document_gin",
            "courses_searchterm_word_trgm",
        ]


def test_the_rebuild_command_restores_every_document(client, catalog):
    CourseSearchDocument.objects.all().delete()
    SearchTerm.objects.all().delete()
    call_command("courses_search_rebuild", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _titles(client, "python") == ["Python Basics"]
    assert SearchTerm.objects.filter(word="python").exists()
    assert "Showing results for" in client.get(CATALOG, {"q": "pyhton"}).content.decode()


def test_odd_queries_never_error(client, catalog):
    for q in ["'", '"', "a & b", "!!", "(", "python:*", "-", "or", "🙂", "x" * 300, "a:b|c"]:
        assert client.get(CATALOG, {"q": q}).status_code == 200, q
