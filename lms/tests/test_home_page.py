"""The home page's sections, written in the CMS (lms/blocks.py): featured courses (the first in
the hero unless the page has a hero image), featured teachers, the next group classes and
testimonials; a constant number of queries however much each section shows."""

import itertools
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from courses import services as course_services
from courses.tests.factories import cover_set, make_course, make_image
from live import services as live_services
from lms.blocks import TeacherChooserBlock
from lms.models import HomePage, Role
from lms.tests.factories import make_user

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
_n = itertools.count()


def _item(value) -> dict:
    return {"type": "item", "value": value, "id": str(uuid.uuid4())}


def _block(kind: str, value) -> dict:
    return {"type": kind, "value": value, "id": str(uuid.uuid4())}


def sections(*, courses=(), teachers=(), classes: int = 3, testimonials=()) -> list[dict]:
    return [
        _block("featured_courses", {"heading": "Featured courses", "courses": [_item(c.pk) for c in courses]}),
        _block("upcoming_classes", {"heading": "Upcoming live group classes", "count": classes}),
        _block("featured_teachers", {"heading": "Meet the teachers", "teachers": [_item(t.pk) for t in teachers]}),
        _block(
            "testimonials",
            {
                "heading": "What students say",
                "items": [_item({"quote": q, "name": n, "role": r}) for q, n, r in testimonials],
            },
        ),
    ]


def home_publish(body: list[dict], **fields) -> HomePage:
    """An editor writes the home page's sections and publishes it."""
    home = HomePage.objects.get()
    home.body = json.dumps(body)
    for name, value in fields.items():
        setattr(home, name, value)
    home.save_revision().publish()
    return home


def _section(soup: BeautifulSoup, heading: str):
    found = soup.find("h2", string=heading)
    return found.find_parent("section") if found else None


def _titles(element) -> list[str]:
    return [h.get_text(strip=True) for h in element.find_all(["h2", "h3"])]


def group_class(teacher, course, *, days: int, capacity: int = 10):
    return live_services.group_class_create(
        teacher=teacher, course=course, start=NOW + timedelta(days=days), minutes=60, capacity=capacity, now=NOW
    )


def test_the_home_page_shows_the_sections_its_editor_wrote(client, teacher, other_teacher, time_machine):
    time_machine.move_to(NOW, tick=False)
    first = cover_set(make_course(teacher, title="Graph Theory", modules=0), make_image(teacher), user=teacher)
    second = make_course(other_teacher, title="Number Theory", modules=0)
    draft = make_course(teacher, title="Unpublished Course", modules=0, publish=False)
    group_class(teacher, first, days=3, capacity=12)
    later = group_class(other_teacher, second, days=1)
    student = make_user(Role.STUDENT)
    course_services.course_enroll(student=student, course=second)
    live_services.group_class_register(student=student, live_class_id=later.pk, now=NOW)
    no_longer_teaching = make_user(Role.TEACHER, display_name="Former Teacher")
    home_publish(
        sections(
            courses=[first, draft, second],
            teachers=[teacher, no_longer_teaching, other_teacher],
            testimonials=[("I finished my first course.", "Lin Chen", "Student, Graph Theory")],
        )
    )
    no_longer_teaching.role = Role.STUDENT
    no_longer_teaching.save()

    soup = BeautifulSoup(client.get("/").content, "html.parser")
    hero = soup.find("h1").find_parent("section")
    assert "Featured course" in hero.get_text() and _titles(hero) == ["Graph Theory"]
    # The hero's course is not repeated below it; an unpublished one is never shown.
    assert _titles(_section(soup, "Featured courses")) == ["Featured courses", "Number Theory"]
    assert "Unpublished Course" not in soup.get_text()

    classes = _section(soup, "Upcoming live group classes")
    assert _titles(classes)[1:] == ["Live class: Number Theory", "Live class: Graph Theory"]  # soonest first
    assert "9 places left" in classes.get_text() and "12 places left" in classes.get_text()
    assert classes.find("a")["href"] == f"{second.url}#group-class-{later.pk}"

    teachers = _section(soup, "Meet the teachers")
    assert _titles(teachers)[1:] == ["Tess Teacher", "Otto Other"]
    assert teachers.find("a", string="Tess Teacher")["href"] == teacher.teacher_profile.get_absolute_url()

    quote = _section(soup, "What students say").find("figure")
    assert quote.blockquote.get_text(strip=True) == "I finished my first course."
    assert "Lin Chen" in quote.figcaption.get_text() and "Student, Graph Theory" in quote.figcaption.get_text()


def test_a_hero_image_takes_the_featured_course_s_place(client, teacher):
    course = make_course(teacher, title="Graph Theory", modules=0)
    home_publish(sections(courses=[course]), hero_image=make_image(teacher, title="Hero picture"))
    soup = BeautifulSoup(client.get("/").content, "html.parser")
    hero = soup.find("h1").find_parent("section")
    img = hero.find("img")
    assert "hero-picture" in img["src"] and img["srcset"] and img["alt"] == ""
    assert "Featured course" not in hero.get_text()
    assert _titles(_section(soup, "Featured courses")) == ["Featured courses", "Graph Theory"]


def test_sections_with_nothing_to_show_are_left_out(client, teacher, time_machine):
    time_machine.move_to(NOW, tick=False)
    course = make_course(teacher, title="Graph Theory", modules=0)
    past = group_class(teacher, course, days=1)
    home_publish(sections(courses=[course]))
    time_machine.move_to(past.end + timedelta(minutes=1), tick=False)
    soup = BeautifulSoup(client.get("/").content, "html.parser")
    # The only featured course is in the hero; the only class has ended.
    assert _section(soup, "Featured courses") is None and _section(soup, "Upcoming live group classes") is None


def _queries() -> int:
    visitor = Client()
    visitor.get("/")  # renditions of new covers are made on their first view
    with CaptureQueriesContext(connection) as queries:
        assert visitor.get("/").status_code == 200
    return len(queries.captured_queries)


def test_the_home_page_runs_as_many_queries_with_more_in_every_section(
    teacher, time_machine, django_assert_max_num_queries
):
    time_machine.move_to(NOW, tick=False)

    def course():
        made = make_course(teacher, title=f"Course {next(_n)}", modules=0)
        return cover_set(made, make_image(teacher, title=f"Cover {next(_n)}", size=(64, 36)), user=teacher)

    def teachers(n):
        return [make_user(Role.TEACHER) for _ in range(n)]

    small_courses = [course(), course()]
    group_class(teacher, small_courses[0], days=1)
    quote = ("Good.", "Lin", "Student")
    home_publish(sections(courses=small_courses, teachers=teachers(1), classes=1, testimonials=[quote]))
    small = _queries()

    big_courses = [course() for _ in range(6)]
    for day, each in enumerate(big_courses, start=2):
        group_class(teacher, each, days=day)
    home_publish(sections(courses=big_courses, teachers=teachers(8), classes=6, testimonials=[quote] * 6))
    Client().get("/")  # the new covers' renditions
    with django_assert_max_num_queries(small):
        html = Client().get("/").content.decode()
    assert html.count("srcset=") == 6 and html.count("places left") == 6


def test_the_teacher_chooser_offers_only_teachers(teacher, student):
    block = TeacherChooserBlock()
    assert list(block.field.queryset) == [teacher]
    assert [label for _, label in block.field.choices][1:] == ["Tess Teacher (teacher@example.com)"]
    assert block.get_form_state(teacher) == [str(teacher.pk)]  # the <select>'s value
    assert block.clean(teacher) == teacher
    with pytest.raises(ValidationError):
        block.clean(student)


def test_editors_can_write_the_sections_in_the_cms(client, superuser):
    client.force_login(superuser)
    home = HomePage.objects.get()
    html = client.get(f"/cms/pages/{home.pk}/edit/").content.decode()
    for section in ("featured_courses", "featured_teachers", "upcoming_classes", "testimonials"):
        assert section in html
    assert 'name="hero_image"' in html
