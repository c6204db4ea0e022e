"""The catalog, search, course, lesson and dashboard pages run a constant number of SQL queries
however much there is: each page is measured on a small data set, then again after the
courses, the lessons of the course shown, the student's enrollments and the students all grew
tenfold, and must stay within the small count. Shared caches (a course's outline, a lesson's
body, the categories) are warm both times, as they are once a site runs; the visitors' page
cache is not used (each measured URL is new)."""

import itertools

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from courses import services
from courses.tests.factories import lessons_of, make_course
from lms.models import Role
from lms.tests.factories import make_user

pytestmark = pytest.mark.django_db

WRONG = {"0": ["0"], "1": ["1"], "2": ["false"], "3": ["x"]}
_fresh = itertools.count()


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries.captured_queries)


def _new(url: str) -> str:
    """The same page under a URL the visitors' page cache has not seen."""
    return f"{url}{'&' if '?' in url else '?'}fresh={next(_fresh)}"


def _pages(visitor, student, course) -> dict[str, tuple[Client, str]]:
    """Each page to measure, as (client, URL), with the shared caches it uses warmed."""
    lessons = [lesson for lesson in lessons_of(course) if lesson.quiz is None]
    shown, other = lessons[1], lessons[0]
    student.get(shown.url)  # warms its body and view restrictions
    student.get(other.url)  # so that opening `shown` again moves the bookmark, as a new visit does
    pages = {
        "lesson": (student, shown.url),
        "course (visitor)": (visitor, _new(course.url)),
        "course (enrolled)": (student, _new(course.url)),
        "catalog (visitor)": (visitor, _new("/courses/?sort=popular")),
        "search (visitor)": (visitor, _new("/courses/?q=lesson")),
        "search with a typo (visitor)": (visitor, _new("/courses/?q=lesosn")),
        "dashboard": (student, "/dashboard/student/"),
    }
    visitor.get(_new(course.url))
    student.get(_new(course.url))
    student.get("/dashboard/student/")
    visitor.get(_new("/courses/"))
    return pages


def _grow(teacher, students, *, courses: int, modules: int, lessons: int):
    made = [
        make_course(teacher, title=f"Course {teacher.pk}-{next(_fresh)}", modules=modules, lessons=lessons)
        for _ in range(courses)
    ]
    for course in made:
        for student in students:
            services.course_enroll(student=student, course=course)
            for lesson in lessons_of(course)[:-1]:
                services.lesson_complete(student=student, lesson=lesson)
    return made


def test_pages_run_as_many_queries_with_ten_times_the_data(teacher, other_teacher, django_assert_max_num_queries):
    student = make_user(Role.STUDENT)
    classmate = make_user(Role.STUDENT)
    visitor, signed_in = Client(), Client()
    signed_in.force_login(student)

    small_course = _grow(teacher, [student, classmate], courses=1, modules=1, lessons=3)[0]
    _grow(other_teacher, [], courses=1, modules=1, lessons=1)
    small = {name: _count(client, url) for name, (client, url) in _pages(visitor, signed_in, small_course).items()}

    # Ten times: the courses (2 → 20), the lessons of the course shown (3 → 30), the student's
    # enrollments (1 → 10) and the students (2 → 20), with quiz attempts on the big course.
    classmates = [make_user(Role.STUDENT) for _ in range(18)]
    big_course = _grow(teacher, [student, classmate, *classmates], courses=1, modules=5, lessons=6)[0]
    _grow(teacher, [student], courses=8, modules=1, lessons=1)
    _grow(other_teacher, [], courses=9, modules=1, lessons=1)
    quiz_lesson = lessons_of(big_course)[-1]
    services.quiz_submit(student=student, lesson=quiz_lesson, answers=WRONG)
    for name, (client, url) in _pages(visitor, signed_in, big_course).items():
        with django_assert_max_num_queries(small[name]):
            assert client.get(url).status_code == 200, name
    # The lesson page: the session and user, Wagtail's site, the viewer's locale (Wagtail routes
    # through the home page's version in it) and the home page (the catalog, course and lesson
    # come from the shared cache), the student's enrollment and ticks, the bookmark, the
    # navigation's two counts, the lesson's latest questions (discussions). No more.
    assert small["lesson"] <= 11, small
    # A search: Wagtail's site, the viewer's locale (once for Wagtail's routing, once for the
    # catalog's choice of each course's language version) and home page, the count, the
    # page of courses and their teachers.
    assert small["search (visitor)"] <= 7, small


def test_teacher_dashboard_and_insights_queries_are_constant(client, teacher, django_assert_max_num_queries):
    students = [make_user(Role.STUDENT) for _ in range(2)]
    course = _grow(teacher, students, courses=1, modules=1, lessons=2)[0]
    client.force_login(teacher)
    small_dashboard = _count(client, "/dashboard/teacher/")
    small_insights = _count(client, f"/courses/teach/{course.pk}/")
    more = [make_user(Role.STUDENT) for _ in range(6)]
    for student in more:
        services.course_enroll(student=student, course=course)
    _grow(teacher, more, courses=3, modules=1, lessons=2)
    with django_assert_max_num_queries(small_dashboard):
        client.get("/dashboard/teacher/")
    with django_assert_max_num_queries(small_insights):
        client.get(f"/courses/teach/{course.pk}/")
