"""Every review URL for every role; the form (HTMX and without JS); reply, report, the admin
moderation queue; the teacher's page and the catalog show ratings with their counts."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.models import AuditLogEntry, Role
from lms.tests.factories import make_user
from reviews import services
from reviews.models import Report, Review
from reviews.tests.factories import attended_class, completed_course
from tutors.models import Tutor

pytestmark = pytest.mark.django_db


def client_for(user, htmx=False):
    client = Client(headers={"HX-Request": "true"} if htmx else {})
    if user is not None:
        client.force_login(user)
    return client


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def people(student, teacher, other_teacher, staff_user, attended):
    return {
        "anonymous": None,
        "student": make_user(Role.STUDENT, email="not.attended@example.com", display_name="Nia Newcomer"),
        "attended student": student,
        "owning teacher": teacher,
        "other teacher": other_teacher,
        "staff": staff_user,
    }


@pytest.fixture
def review(people):
    return services.review_submit(
        student=people["attended student"], teacher=people["owning teacher"], stars=4, text="Patient and clear"
    )[0]


ROLES = ["anonymous", "student", "attended student", "owning teacher", "other teacher", "staff"]


@pytest.mark.parametrize(
    ("who", "expected"),
    zip(ROLES, [302, 403, 200, 403, 403, 403], strict=True),
)
def test_teacher_review_form_access(people, who, expected):
    url = reverse("reviews:teacher_review", args=[people["owning teacher"].pk])
    response = client_for(people[who]).get(url)
    assert response.status_code == expected
    if expected == 403:
        assert "Only students" in text_of(response) or "after attending a class" in text_of(response)


@pytest.mark.parametrize("who", ROLES)
def test_teacher_review_list_is_public(people, review, who):
    url = reverse("reviews:teacher_list", args=[people["owning teacher"].pk])
    response = client_for(people[who]).get(url)
    assert response.status_code == 200
    page = text_of(response)
    assert "Patient and clear" in page and "4.0 (1 review)" in page
    assert ("Post the reply" in page) == (who == "owning teacher")
    assert ("Report" in page) == (who not in {"anonymous", "attended student"})


@pytest.mark.parametrize(
    ("who", "expected"),
    zip(ROLES, [302, 403, 200, 403, 403, 403], strict=True),
)
def test_course_review_form_access(people, who, expected):
    course = completed_course(people["owning teacher"], people["attended student"])
    response = client_for(people[who]).get(reverse("reviews:course_review", args=[course.pk]))
    assert response.status_code == expected


@pytest.mark.parametrize("who", ROLES)
def test_course_review_list_is_public(people, who):
    course = completed_course(people["owning teacher"], people["attended student"])
    services.review_submit(student=people["attended student"], course=course, stars=5, text="Loved it")
    response = client_for(people[who]).get(reverse("reviews:course_list", args=[course.pk]))
    assert response.status_code == 200
    assert "Loved it" in text_of(response) and "5.0 (1 review)" in text_of(response)


@pytest.mark.parametrize(
    ("who", "expected"),
    zip(ROLES, [302, 422, 422, 200, 422, 422], strict=True),
)
def test_reply_access(people, review, who, expected):
    url = reverse("reviews:reply", args=[review.pk])
    response = client_for(people[who], htmx=True).post(url, {"text": "Thanks!"})
    assert response.status_code == expected
    review.refresh_from_db()
    assert (review.reply == "Thanks!") == (who == "owning teacher")


@pytest.mark.parametrize(("who", "expected"), zip(ROLES, [302, 200, 200, 200, 200, 200], strict=True))
def test_report_access(people, review, who, expected):
    url = reverse("reviews:report", args=[review.pk])
    assert client_for(people[who]).get(url).status_code == expected
    response = client_for(people[who]).post(url, {"reason": "Looks fake"})
    assert response.status_code == 302
    assert Report.objects.filter(review=review).count() == (0 if who == "anonymous" else 1)


def test_the_form_posts_without_js_and_a_double_submit_stores_one(people):
    client = client_for(people["attended student"])
    url = reverse("reviews:teacher_review", args=[people["owning teacher"].pk])
    for _ in range(2):
        response = client.post(url, {"stars": "5", "text": "Wonderful teacher"}, follow=True)
    assert Review.objects.count() == 1
    assert "Your review is updated." in text_of(response) or "your review is posted" in text_of(response)


def test_the_form_over_htmx_answers_with_its_fragment(people):
    client = client_for(people["attended student"], htmx=True)
    url = reverse("reviews:teacher_review", args=[people["owning teacher"].pk])
    response = client.post(url, {"stars": "5", "text": "Call +44 20 7946 0958"})
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert "Thank you: your review is posted." in text_of(response)
    assert "7946" not in Review.objects.get().text
    bad = client.post(url, {"stars": "9", "text": ""})
    assert bad.status_code == 422 and "field-error" in bad.content.decode()


def test_refused_without_an_attended_class_with_a_message_and_nothing_stored(people):
    client = client_for(people["student"])
    url = reverse("reviews:teacher_review", args=[people["owning teacher"].pk])
    response = client.post(url, {"stars": "5", "text": "Sounds great"}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "after attending a class with them" in text_of(response)
    assert not Review.objects.exists()


def test_the_class_page_links_to_the_review_form_after_attendance(people, attended):
    page = client_for(people["attended student"]).get(attended.get_absolute_url())
    assert "Review Tess Teacher" in text_of(page)
    assert reverse("reviews:teacher_review", args=[people["owning teacher"].pk]) in page.content.decode()
    teacher_view = client_for(people["owning teacher"]).get(attended.get_absolute_url())
    assert "Review Tess Teacher" not in text_of(teacher_view)


def test_the_course_page_shows_the_rating_and_the_review_link(people):
    teacher, student = people["owning teacher"], people["attended student"]
    course = completed_course(teacher, student)
    assert "No reviews yet" in text_of(Client().get(course.url))
    assert "Review this course" in text_of(client_for(student).get(course.url))
    services.review_submit(student=student, course=course, stars=4, text="Solid")
    page = text_of(Client().get(course.url))
    assert "4.0 (1 review)" in page and "Solid" in page
    catalog = text_of(Client().get("/courses/"))
    assert "4.0 (1 review)" in catalog


def test_report_then_admin_hide_removes_it_from_the_page_and_the_rating(people, review, superuser):
    teacher = people["owning teacher"]
    Tutor.objects.create(user=teacher)
    services.review_report(reporter=people["other teacher"], review_id=review.pk, reason="Spam")
    profile_url = f"/teachers/{teacher.teacher_profile.slug}/"
    assert "Patient and clear" in text_of(Client().get(profile_url))

    admin = client_for(people["staff"])
    queue = admin.get(reverse("admin:reviews_report_changelist") + "?status__exact=open")
    assert queue.status_code == 200 and "Spam" in text_of(queue)
    report = Report.objects.get()
    changelist = reverse("admin:reviews_report_changelist")
    ask = admin.post(changelist, {"action": "hide_reported", "_selected_action": [report.pk]})
    assert ask.status_code == 200 and "Reason for hiding" in text_of(ask)
    assert Review.objects.visible().count() == 1  # nothing hidden before the reason is given
    done = admin.post(
        changelist, {"action": "hide_reported", "_selected_action": [report.pk], "apply": "1", "reason": "Insulting"}
    )
    assert done.status_code == 302
    review.refresh_from_db()
    assert review.is_hidden and review.hidden_reason == "Insulting"
    assert AuditLogEntry.objects.filter(action="reviews.review.hide", actor=people["staff"]).count() == 1
    assert "Patient and clear" not in text_of(Client().get(profile_url))
    assert "No reviews yet" in text_of(Client().get(profile_url))
    teacher.tutor.refresh_from_db()
    assert teacher.tutor.rating_count == 0


def test_admin_dismiss(people, review):
    services.review_report(reporter=people["other teacher"], review_id=review.pk, reason="Spam")
    report = Report.objects.get()
    admin = client_for(people["staff"])
    admin.post(
        reverse("admin:reviews_report_changelist"), {"action": "dismiss_reports", "_selected_action": [report.pk]}
    )
    report.refresh_from_db()
    assert report.status == Report.Status.DISMISSED
    assert Review.objects.visible().count() == 1


def test_students_and_teachers_cannot_open_the_moderation_queue(people):
    for who in ("attended student", "owning teacher"):
        response = client_for(people[who]).get(reverse("admin:reviews_report_changelist"))
        assert response.status_code == 403  # "The staff portal is for Lyceum staff."


def test_the_teacher_reviews_list_has_constant_queries(people, django_assert_max_num_queries):
    teacher = people["owning teacher"]
    url = reverse("reviews:teacher_list", args=[teacher.pk])

    def reviews_by(n):
        for i in range(n):
            someone = make_user(Role.STUDENT, email=f"more{Review.objects.count()}-{i}@example.com")
            attended_class(teacher, someone, days_ago=5 + Review.objects.count())
            review = services.review_submit(student=someone, teacher=teacher, stars=5, text=f"Review {i}")[0]
            services.review_reply(actor=teacher, review_id=review.pk, text="Thanks")

    def review_queries():
        # The reviews part of the page (the navigation's own reads are cached for a moment).
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        return response, [
            q["sql"] for q in captured.captured_queries if "reviews_review" in q["sql"] or "lms_user" in q["sql"]
        ]

    reviews_by(1)
    client = client_for(people["student"])
    client.get(url)  # warm the per-process caches (session, site)
    with django_assert_max_num_queries(12):
        _response, one = review_queries()
    reviews_by(4)
    with django_assert_max_num_queries(12):
        response, five = review_queries()
    assert len(five) == len(one)
    assert "Show more reviews" not in text_of(response)
    reviews_by(1)  # six: a second page
    response = client.get(url)
    assert "Show more reviews" in text_of(response)
    more = client_for(people["student"], htmx=True).get(url + "?page=2")
    assert more.status_code == 200 and "<html" not in more.content.decode()
