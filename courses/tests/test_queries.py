"""The catalog, course, lesson and dashboard pages run a constant number of SQL queries,
whatever the number of courses, modules, lessons and enrollments: each page is measured on a
small data set, then must stay within that count on a data set several times larger."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses import services
from courses.tests.factories import lessons_of, make_course
from lms import pagecache
from lms.models import Role
from lms.tests.factories import make_user

pytestmark = pytest.mark.django_db

# Generous ceilings, so a regression that adds a query per item fails loudly.
WRONG = {"0": ["0"], "1": ["1"], "2": ["false"], "3": ["x"]}
CEILING = {"catalog": 20, "course": 35, "lesson": 35, "dashboard": 35}


def _count(client, url) -> int:
    # Warm per-process caches (site root paths, content types) with another URL, so the
    # measured request is not answered from the anonymous page cache.
    client.get(url + ("&" if "?" in url else "?") + "warm=1")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries.captured_queries)


def _grow(teacher, students, *, courses: int, modules: int, lessons: int):
    made = [
        make_course(teacher, title=f"Course {teacher.pk}-{i}", modules=modules, lessons=lessons) for i in range(courses)
    ]
    for course in made:
        for student in students:
            services.course_enroll(student=student, course=course)
            for lesson in lessons_of(course)[:-1]:
                services.lesson_complete(student=student, lesson=lesson)
    return made


def test_catalog_queries_are_constant(client, teacher, other_teacher, django_assert_max_num_queries):
    _grow(teacher, [], courses=2, modules=1, lessons=1)
    small = _count(client, "/courses/?sort=popular&nocache=1")
    _grow(other_teacher, [], courses=10, modules=1, lessons=1)
    client.get("/courses/?warm=2")  # publishing started a new cache generation: warm it as above
    with django_assert_max_num_queries(small):
        client.get("/courses/?sort=popular&nocache=2")
    assert small <= CEILING["catalog"]


def test_search_queries_are_constant(client, teacher, other_teacher, django_assert_max_num_queries):
    _grow(teacher, [], courses=2, modules=1, lessons=2)
    small = _count(client, "/courses/?q=lesson")
    _grow(other_teacher, [], courses=8, modules=1, lessons=2)
    client.get("/courses/?warm=2")  # publishing started a new cache generation: warm it as above
    with django_assert_max_num_queries(small):
        client.get("/courses/?q=lesson&x=1")


@pytest.mark.parametrize("role", ["anonymous", "enrolled"])
def test_course_page_queries_are_constant(client, teacher, role, django_assert_max_num_queries):
    student = make_user(Role.STUDENT)
    small_course, big_course = (
        _grow(teacher, [student], courses=1, modules=1, lessons=2)[0],
        _grow(teacher, [student], courses=1, modules=5, lessons=6)[0],
    )
    if role == "enrolled":
        client.force_login(student)
    small = _count(client, small_course.url)
    client.get(big_course.url + "?warm=1")  # its outline is cached like the small one's
    with django_assert_max_num_queries(small):
        client.get(big_course.url)
    assert small <= CEILING["course"]


def test_lesson_page_queries_are_constant(client, teacher, django_assert_max_num_queries):
    student = make_user(Role.STUDENT)
    small_course = _grow(teacher, [student], courses=1, modules=1, lessons=2)[0]
    big_course = _grow(teacher, [student], courses=1, modules=5, lessons=6)[0]
    client.force_login(student)
    small_lesson, big_lesson = lessons_of(small_course)[-1], lessons_of(big_course)[-1]
    # Attempts are listed on the quiz lesson: give the big one more.
    for _ in range(2):
        services.quiz_submit(student=student, lesson=big_lesson, answers=WRONG)
    small = _count(client, small_lesson.url)
    client.get(big_lesson.url + "?warm=1")  # the first visit also records "last lesson opened"
    with django_assert_max_num_queries(small):
        client.get(big_lesson.url)
    assert small <= CEILING["lesson"]


def test_student_dashboard_queries_are_constant(client, teacher, django_assert_max_num_queries):
    student = make_user(Role.STUDENT)
    _grow(teacher, [student], courses=1, modules=1, lessons=2)
    client.force_login(student)
    client.get("/dashboard/student/?warm=1")
    # Measure the uncached path: a new per-user version is a cache miss.
    pagecache.user_changed(student.pk)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/dashboard/student/").status_code == 200
    small = len(queries.captured_queries)
    _grow(teacher, [student], courses=5, modules=2, lessons=3)
    client.get("/dashboard/student/?warm=2")  # publishing started a new cache generation
    pagecache.user_changed(student.pk)
    with django_assert_max_num_queries(small):
        client.get("/dashboard/student/")
    assert small <= CEILING["dashboard"]
    # Cached, the courses panel runs no query at all.
    with CaptureQueriesContext(connection) as cached:
        client.get("/dashboard/student/")
    assert len(cached.captured_queries) <= small - 4


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
