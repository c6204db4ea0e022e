"""Course covers: a Wagtail image per course, shown on catalog cards in several sizes (lazy, with
its width and height), a fallback per category without one; the catalog's queries stay constant
with covers, and the visitors' cached catalog shows a changed cover at once."""

import itertools
import re

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from courses.models import Category
from courses.tests.factories import cover_set, make_course, make_image

pytestmark = pytest.mark.django_db

_fresh = itertools.count()


def _card(html: str, title: str):
    """The catalog card whose heading is `title`."""
    heading = BeautifulSoup(html, "html.parser").find(
        lambda tag: tag.name == "h2" and tag.get_text(strip=True) == title
    )
    assert heading is not None, title
    return heading.find_parent("article")


@pytest.fixture
def maths():
    return Category.objects.create(name="Mathematics", slug="mathematics")


def test_a_card_shows_its_cover_in_three_sizes_lazily_and_as_decoration(client, teacher, maths):
    course = make_course(teacher, title="Graph Theory", category=maths, modules=0)
    cover_set(course, make_image(teacher, title="Graphs cover"), user=teacher)

    img = _card(client.get("/courses/").content.decode(), "Graph Theory").find("img")
    widths = sorted(int(w) for w in re.findall(r" (\d+)w", img["srcset"]))
    assert widths == [320, 640, 960]
    assert all("graphs-cover" in url for url in img["srcset"].split(", "))
    assert img["sizes"].endswith("100vw") and img["loading"] == "lazy"
    assert (img["width"], img["height"]) == ("640", "360")  # no layout shift while it loads
    assert img["alt"] == ""  # the card's heading says what it is


def test_a_course_without_a_cover_gets_its_categorys_fallback(client, teacher, maths):
    make_course(teacher, title="Number Theory", category=maths, modules=0)
    languages = Category.objects.create(name="Languages", slug="languages")
    make_course(teacher, title="Everyday French", category=languages, modules=0)

    html = client.get("/courses/").content.decode()
    numbers, french = _card(html, "Number Theory"), _card(html, "Everyday French")
    assert numbers.find("img") is None and french.find("img") is None
    fallback = numbers.find(attrs={"aria-hidden": "true"})
    assert "Mathematics" in fallback.get_text()
    # Not one gradient on every card: each category has its own.
    assert fallback["class"] != french.find(attrs={"aria-hidden": "true"})["class"]


def test_the_course_page_shows_its_cover_in_several_sizes(client, teacher):
    course = cover_set(
        make_course(teacher, title="Graph Theory", modules=0), make_image(teacher, size=(1600, 900)), user=teacher
    )
    img = BeautifulSoup(client.get(course.url).content, "html.parser").find("img", srcset=True)
    assert sorted(int(w) for w in re.findall(r" (\d+)w", img["srcset"])) == [800, 1200, 1600]
    assert img["alt"] == "" and img["width"] and img["height"]


def _catalog_queries(client) -> int:
    url = f"/courses/?fresh={next(_fresh)}"  # a URL the visitors' cache has not seen
    client.get(url)  # the first view makes the renditions of new covers
    url = f"/courses/?fresh={next(_fresh)}"
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_the_catalog_runs_as_many_queries_with_ten_times_the_covers(client, teacher, django_assert_max_num_queries):
    def covered_course(n):
        course = make_course(teacher, title=f"Course {n}", modules=0)
        return cover_set(course, make_image(teacher, title=f"Cover {n}", size=(64, 36)), user=teacher)

    for n in range(2):
        covered_course(n)
    small = _catalog_queries(client)
    for n in range(2, 12):
        covered_course(n)
    client.get(f"/courses/?fresh={next(_fresh)}")  # the new covers' renditions
    with django_assert_max_num_queries(small):
        html = client.get(f"/courses/?fresh={next(_fresh)}").content.decode()
    assert html.count("srcset=") == 12


def test_the_cached_catalog_shows_a_changed_cover_at_once(client, teacher):
    course = cover_set(
        make_course(teacher, title="Graph Theory", modules=0), make_image(teacher, title="Old cover"), user=teacher
    )
    assert "old-cover" in client.get("/courses/").content.decode()
    assert Client().get("/courses/")["X-Lyceum-Cache"] == "hit"

    new_cover = make_image(teacher, title="New cover", color="navy")
    cover_set(course, new_cover, user=teacher)  # published: a new generation
    response = Client().get("/courses/")
    html = response.content.decode()
    assert response.get("X-Lyceum-Cache") is None and "new-cover" in html and "old-cover" not in html

    assert Client().get("/courses/")["X-Lyceum-Cache"] == "hit"
    new_cover.delete()  # the course falls back (SET_NULL) without a publish
    response = Client().get("/courses/")
    assert response.get("X-Lyceum-Cache") is None
    assert _card(response.content.decode(), "Graph Theory").find("img") is None


def test_the_teaching_studio_offers_a_cover_image(client, teacher):
    course = make_course(teacher, title="Graph Theory", modules=0)
    client.force_login(teacher)
    html = client.get(f"/cms/pages/{course.pk}/edit/").content.decode()
    assert 'name="cover_image"' in html and "Cover image" in html
