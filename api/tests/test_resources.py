"""What the API answers, and its conventions: cursor pages, problems, ETags, rates, schema."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.settings import api_settings

from api.services import personal_token_create
from api.tests.helpers import bearer
from courses import services as course_services
from courses.tests.factories import QUIZ_ANSWERS_RIGHT, lessons_of, make_course
from lms.services import notify

SCHEMA = Path(settings.BASE_DIR) / "docs" / "api" / "openapi-v1.yaml"


@pytest.fixture
def token(student):
    return personal_token_create(user=student, name="Tests", scope="write")[1]


def test_the_catalog_pages_with_a_cursor_and_filters_like_the_site(teacher, student):
    for n in range(5):
        make_course(teacher, title=f"Course {n}", level="advanced" if n % 2 else "beginner", modules=1, lessons=1)
    make_course(teacher, title="Hidden draft", publish=False, modules=1, lessons=1)

    seen, url = [], "/api/v1/courses/?page_size=2&sort=title"
    while url:
        page = Client().get(url).json()
        seen += [course["title"] for course in page["results"]]
        url = page["next"]
    assert seen == [f"Course {n}" for n in range(5)]

    advanced = Client().get("/api/v1/courses/?level=advanced").json()["results"]
    assert sorted(course["title"] for course in advanced) == ["Course 1", "Course 3"]
    nonsense = Client().get("/api/v1/courses/?sort=nonsense&level=expert")
    assert nonsense.status_code == 400
    assert {error["field"] for error in nonsense.json()["errors"]} == {"sort", "level"}


def test_a_course_shows_its_outline_and_the_students_own_progress(teacher, student, token):
    course = make_course(teacher)
    course_services.course_enroll(student=student, course=course)
    first = lessons_of(course)[0]
    course_services.lesson_complete(student=student, lesson=first, course=course)

    body = Client().get(f"/api/v1/courses/{course.pk}/", **bearer(token)).json()
    assert body["enrolment"]["status"] == "active"
    lessons = [lesson for module in body["outline"] for lesson in module["lessons"]]
    assert [lesson["completed"] for lesson in lessons] == [True, False, False, False]
    anonymous = Client().get(f"/api/v1/courses/{course.pk}/").json()
    assert anonymous["enrolment"] is None and not any(
        lesson["completed"] for module in anonymous["outline"] for lesson in module["lessons"]
    )


def test_lessons_keep_the_courses_order_as_the_site_does(teacher, student, token):
    course = make_course(teacher, enforce_order=True)
    course_services.course_enroll(student=student, course=course)
    first, second = lessons_of(course)[:2]
    response = Client().get(f"/api/v1/lessons/{second.pk}/", **bearer(token))
    assert response.status_code == 403
    assert response.json()["type"].endswith("/lesson_blocked") and first.title in response.json()["detail"]

    assert Client().post(f"/api/v1/lessons/{first.pk}/completion/", **bearer(token)).status_code == 200
    opened = Client().get(f"/api/v1/lessons/{second.pk}/", **bearer(token))
    assert opened.status_code == 200
    assert "LESSON-BODY-2" in opened.json()["body_html"]


def test_a_quiz_is_shown_without_its_answers_and_graded_when_handed_in(teacher, student, token):
    course = make_course(teacher)
    course_services.course_enroll(student=student, course=course)
    quiz_lesson = lessons_of(course)[-1]
    quiz = Client().get(f"/api/v1/lessons/{quiz_lesson.pk}/", **bearer(token)).json()["quiz"]
    assert [question["kind"] for question in quiz["questions"]] == ["single", "multiple", "true_false", "short"]
    assert "correct" not in json.dumps(quiz) and "Paris" not in json.dumps(quiz)

    url = f"/api/v1/lessons/{quiz_lesson.pk}/quiz-attempts/"
    attempt = Client().post(url, {"answers": QUIZ_ANSWERS_RIGHT}, content_type="application/json", **bearer(token))
    assert attempt.status_code == 201
    assert attempt.json()["passed"] is True and attempt.json()["score"] == 100
    again = Client().post(url, {"answers": QUIZ_ANSWERS_RIGHT}, content_type="application/json", **bearer(token))
    assert again.status_code == 409 and "already passed" in again.json()["detail"]
    assert student.quiz_attempts.count() == 1


def test_a_name_too_long_for_the_profile_is_refused_as_the_apis_field(student, token):
    response = Client().patch("/api/v1/me/", {"name": "N" * 81}, content_type="application/json", **bearer(token))
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "name"


def test_malformed_input_the_middleware_refuses_is_a_problem_too(db, token):
    nul = Client().get("/api/v1/courses/?q=a%00b")
    assert nul.status_code == 400 and nul["Content-Type"] == "application/problem+json"
    huge = Client().get(f"/api/v1/courses/{2**70}/")
    assert huge.status_code == 404 and huge["Content-Type"] == "application/problem+json"
    # The site's own pages keep their error pages.
    assert Client().get("/courses/?q=a%00b")["Content-Type"].startswith("text/html")


def test_invalid_input_is_a_problem_with_field_errors_and_changes_nothing(student, token):
    response = Client().patch(
        "/api/v1/me/", {"time_zone": "Mars/Olympus_Mons"}, content_type="application/json", **bearer(token)
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400 and problem["errors"][0]["field"] == "time_zone"
    student.refresh_from_db()
    assert student.time_zone != "Mars/Olympus_Mons"

    broken = Client().post("/api/v1/tokens/", "{not json", content_type="application/json", **bearer(token))
    assert broken.status_code in (400, 403)


def test_you_change_your_name_and_time_zone(student, token):
    response = Client().patch(
        "/api/v1/me/", {"name": "Samira", "time_zone": "Asia/Kolkata"}, content_type="application/json", **bearer(token)
    )
    assert response.status_code == 200
    student.refresh_from_db()
    assert (student.display_name, student.time_zone) == ("Samira", "Asia/Kolkata")


def test_notifications_page_newest_first_and_are_marked_read(student, token):
    for n in range(3):
        notify(user=student, kind="announcement", title=f"News {n}", email=False)
    page = Client().get("/api/v1/notifications/?page_size=2", **bearer(token)).json()
    assert [item["title"] for item in page["results"]] == ["News 2", "News 1"] and page["next"]
    newest = page["results"][0]["id"]
    assert Client().post(f"/api/v1/notifications/{newest}/read/", **bearer(token)).json()["read_at"]
    unread = Client().get("/api/v1/notifications/?unread=1", **bearer(token)).json()["results"]
    assert [item["title"] for item in unread] == ["News 1", "News 0"]


def test_a_read_answers_304_when_nothing_changed(teacher):
    make_course(teacher, modules=1, lessons=1)
    first = Client().get("/api/v1/courses/")
    assert first["ETag"] and "Authorization" in first["Vary"]
    again = Client().get("/api/v1/courses/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    make_course(teacher, title="Another", modules=1, lessons=1)
    assert Client().get("/api/v1/courses/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_anonymous_callers_are_limited_per_address_and_tokens_per_token(student, token):
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "anon": "3/15m", "token": "5/15m"}
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}):
        here = Client(REMOTE_ADDR="203.0.113.7")
        assert [here.get("/api/v1/courses/").status_code for _ in range(4)] == [200, 200, 200, 429]
        limited = here.get("/api/v1/courses/")
        assert limited["Content-Type"] == "application/problem+json" and int(limited["Retry-After"]) > 0
        assert Client(REMOTE_ADDR="203.0.113.8").get("/api/v1/courses/").status_code == 200
        # A signed-in caller counts per token, not per address.
        statuses = [here.get("/api/v1/me/", **bearer(token)).status_code for _ in range(6)]
        assert statuses == [200] * 5 + [429]


def test_v1_announces_its_deprecation_and_sunset_once_set(db):
    assert "Deprecation" not in Client().get("/api/v1/courses/")
    with override_settings(API_V1_DEPRECATED_AT="2027-06-01", API_V1_SUNSET_AT="2027-12-01"):
        response = Client().get("/api/v1/courses/")
    assert response["Deprecation"] == "@1811808000"
    assert response["Sunset"] == "Wed, 01 Dec 2027 00:00:00 GMT"


def test_other_origins_may_call_only_when_configured(teacher):
    origin = {"HTTP_ORIGIN": "https://app.example.org"}
    assert "Access-Control-Allow-Origin" not in Client().get("/api/v1/courses/", **origin)
    with override_settings(CORS_ALLOWED_ORIGINS=["https://app.example.org"]):
        response = Client().get("/api/v1/courses/", **origin)
        assert response["Access-Control-Allow-Origin"] == "https://app.example.org"
        # The site's own pages never answer another origin's scripts.
        assert "Access-Control-Allow-Origin" not in Client().get("/notifications/", **origin)


def test_the_committed_schema_is_the_one_the_code_describes(tmp_path):
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--file", str(generated), "--validate", "--fail-on-warn")
    assert generated.read_text() == SCHEMA.read_text(), (
        "The API changed: review it, then run `make api-schema` and commit docs/api/openapi-v1.yaml."
    )


def test_the_docs_page_loads_everything_from_this_server(db):
    page = Client().get("/api/v1/docs/").content.decode()
    assert "swagger-ui-bundle.js" in page
    assert "//cdn" not in page and "unpkg" not in page and "jsdelivr" not in page


@pytest.mark.parametrize("query", ["", "?sort=popular", "?q=Course", "?sort=title&page_size=50"])
def test_the_catalog_costs_the_same_queries_for_3_or_12_courses(
    teacher, student, token, query, django_assert_max_num_queries
):
    def catalog():
        response = Client().get(f"/api/v1/courses/{query}", **bearer(token))
        assert response.status_code == 200
        return len(response.json()["results"])

    for n in range(3):
        make_course(teacher, title=f"Course {n}", modules=1, lessons=1)
    catalog()
    with CaptureQueriesContext(connection) as few:
        assert catalog() == 3
    for n in range(3, 12):
        make_course(teacher, title=f"Course {n}", modules=1, lessons=1)
    with django_assert_max_num_queries(len(few)):
        assert catalog() == 12


def test_a_course_and_a_lesson_cost_the_same_queries_however_long_the_course(
    teacher, student, token, django_assert_max_num_queries
):
    short, long = make_course(teacher, modules=1, lessons=2), make_course(teacher, title="Long", modules=4, lessons=5)
    for course in (short, long):
        course_services.course_enroll(student=student, course=course)

    def read(url):
        with CaptureQueriesContext(connection) as queries:
            assert Client().get(url, **bearer(token)).status_code == 200
        return len(queries)

    # Each read once before counting: the shared outline and site caches are warm, as on a running site.
    urls = {
        course: (f"/api/v1/courses/{course.pk}/", f"/api/v1/lessons/{lessons_of(course)[1].pk}/")
        for course in (short, long)
    }
    for url in (*urls[short], *urls[long]):
        read(url)
    course_queries, lesson_queries = (read(url) for url in urls[short])
    with django_assert_max_num_queries(course_queries):
        Client().get(urls[long][0], **bearer(token))
    with django_assert_max_num_queries(lesson_queries):
        Client().get(urls[long][1], **bearer(token))
