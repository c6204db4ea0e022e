"""The board's pages, as each role meets them: anonymous, a student, the author, a tutor
who applied, another teacher, staff."""

import re

import pytest
from django.test import Client

from board.models import Application, ApplicationStatus, Post, PostStatus
from board.tests.factories import apply, level, make_position, make_request, subject
from chat.models import Conversation
from lms.models import AuditLogEntry

LOGIN = "/accounts/login/"


@pytest.fixture
def people(student, other_student, teacher, other_teacher, staff_user):
    return {
        "anonymous": None,
        "student": other_student,
        "author": student,
        "tutor": teacher,
        "other teacher": other_teacher,
        "staff": staff_user,
    }


@pytest.fixture
def world(request_post, tutor, other_tutor):
    application = apply(tutor.user, request_post, message="Algebra is my favourite.", rate=3600)
    return request_post, application


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def outcome(response) -> int | str:
    if response.status_code == 302 and response.url.startswith(LOGIN):
        return "login"
    return response.status_code


GET_ACCESS = {
    # role: (list, new, detail, applicants)
    "anonymous": ("login", "login", "login", "login"),
    "student": (200, 200, 404, 404),
    "author": (200, 200, 200, 200),
    "tutor": (200, 403, 200, 403),
    "other teacher": (200, 403, 200, 403),
    "staff": (200, 200, 200, 403),
}


@pytest.mark.parametrize("role", GET_ACCESS)
def test_who_may_open_each_page(role, people, world):
    post, _ = world
    client = client_for(people[role])
    paths = ["/board/", "/board/new/", f"/board/{post.pk}/", f"/board/{post.pk}/applicants/"]
    assert tuple(outcome(client.get(path)) for path in paths) == GET_ACCESS[role]


@pytest.mark.parametrize(
    "role, expected",
    [("anonymous", "login"), ("student", 404), ("author", 302), ("tutor", 302), ("other teacher", 302), ("staff", 302)],
)
def test_who_may_close_a_post(role, expected, people, world):
    post, _ = world
    response = client_for(people[role]).post(f"/board/{post.pk}/close/")
    if role in ("tutor", "other teacher", "staff"):
        expected = 403
    assert outcome(response) == expected
    post.refresh_from_db()
    assert (post.status == PostStatus.CLOSED) == (role == "author")


@pytest.mark.parametrize("role", ["anonymous", "student", "author", "tutor", "other teacher", "staff"])
def test_only_the_author_accepts_and_lands_in_the_chat(role, people, world):
    _post, application = world
    client = client_for(people[role])
    response = client.post(f"/board/applications/{application.pk}/accept/")
    application.refresh_from_db()
    if role == "author":
        conversation = Conversation.objects.get()
        assert response.status_code == 302 and response.url == conversation.get_absolute_url()
        assert application.status == ApplicationStatus.ACCEPTED
        page = client.get(response.url)
        assert f"/live/teachers/{application.applicant.teacher_profile.slug}/" in page.content.decode()
    else:
        assert outcome(response) in ("login", 302)
        assert application.status == ApplicationStatus.PENDING and not Conversation.objects.exists()


@pytest.mark.parametrize(
    "role, created",
    [("anonymous", "login"), ("student", 404), ("author", 400), ("other teacher", 302), ("staff", 400)],
)
def test_who_may_apply(role, created, people, world):
    post, _ = world
    response = client_for(people[role]).post(
        f"/board/{post.pk}/apply/", {"message": "Hello, I can help.", "rate": "30"}
    )
    assert outcome(response) == created
    applied = Application.objects.filter(post=post, applicant=people[role]).exists() if people[role] else False
    assert applied == (role == "other teacher")


@pytest.mark.parametrize("role", ["anonymous", "student", "author", "tutor", "other teacher", "staff"])
def test_withdraw_is_the_applicants_own(role, people, world):
    post, application = world
    response = client_for(people[role]).post(f"/board/{post.pk}/withdraw/")
    application.refresh_from_db()
    assert (application.status == ApplicationStatus.WITHDRAWN) == (role == "tutor")
    assert outcome(response) == {"anonymous": "login", "student": 404}.get(role, 302)


def test_post_only_endpoints_refuse_get(student, world):
    post, application = world
    client = client_for(student)
    for path in [
        f"/board/{post.pk}/apply/",
        f"/board/{post.pk}/close/",
        f"/board/applications/{application.pk}/accept/",
    ]:
        assert client.get(path).status_code == 405


def test_a_student_posts_a_request_through_the_form(student, tutor, django_capture_on_commit_callbacks):
    client = client_for(student)
    page = client.get("/board/new/").content.decode()
    assert "Post a tutoring request" in page and "weekday evenings" in page
    data = {
        "learner_name": "Arjun",
        "subject": subject().pk,
        "level": level().pk,
        "description": "Algebra before the exams.",
        "times": ["weekday-evening", "weekend-morning"],
        "budget": "40.50",
        "currency": "GBP",
        "lesson_minutes": "45",
        "online": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/board/new/", data)
    post = Post.objects.get()
    assert response.status_code == 302 and response.url == post.get_absolute_url()
    assert (post.budget, post.lesson_minutes, post.times) == (4050, 45, ["weekday-evening", "weekend-morning"])
    assert tutor.user.notifications.filter(kind="board").exists()
    detail = client.get(post.get_absolute_url()).content.decode()
    assert "£40.50" in detail and "for Arjun" in detail


def test_form_errors_are_shown_not_500(student):
    client = client_for(student)
    response = client.post(
        "/board/new/", {"subject": "nope", "description": "", "budget": "-3", "lesson_minutes": "50"}
    )
    assert response.status_code == 200 and not Post.objects.exists()
    assert "This field is required." in response.content.decode()


def test_staff_post_a_position_through_the_form(staff_user):
    client = client_for(staff_user)
    response = client.post(
        "/board/new/",
        {
            "title": "Chemistry teacher",
            "subject": subject("Chemistry").pk,
            "description": "Evening groups.",
            "hours": "6 hours a week",
            "budget": "35",
            "currency": "GBP",
            "online": "on",
        },
    )
    post = Post.objects.get()
    assert response.status_code == 302 and post.kind == "position" and post.budget == 3500


def test_the_board_lists_filters_and_paginates(teacher, student, staff_user):
    make_request(student)
    make_request(student, subject=subject("Physics"), budget=2000)
    make_position(staff_user)
    client = client_for(teacher)
    page = client.get("/board/").content.decode()
    assert "3 posts" in page
    assert "1 post" in client.get("/board/?subject=physics&kind=request").content.decode()
    assert "1 post" in client.get("/board/?kind=position").content.decode()
    assert "2 posts" in client.get("/board/?budget=30").content.decode()  # 40 and 35 a hour, not 20
    assert client.get("/board/?budget=abc&page=99").status_code == 200
    fragment = client.get("/board/?kind=position", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="board-results")
    html = fragment.content.decode()
    assert html.lstrip().startswith('<section id="board-results"') and "<html" not in html


def test_pagination(teacher, student, settings):
    from board import selectors

    selectors.PAGE_SIZE, size = 2, selectors.PAGE_SIZE
    try:
        for _ in range(3):
            make_request(student)
        page = client_for(teacher).get("/board/?page=2").content.decode()
        assert "Page 2 of 2" in page and "Previous" in page
    finally:
        selectors.PAGE_SIZE = size


def test_students_see_only_their_own_posts(student, other_student):
    make_request(student)
    assert "0 posts" in client_for(other_student).get("/board/").content.decode()
    assert "1 post" in client_for(student).get("/board/").content.decode()


def test_applying_with_htmx_swaps_the_panel_and_shows_errors(world, other_teacher):
    post, _ = world
    client = client_for(other_teacher)
    bad = client.post(f"/board/{post.pk}/apply/", {"message": "Hi", "rate": "0"}, HTTP_HX_REQUEST="true")
    html = bad.content.decode()
    assert html.lstrip().startswith('<section id="apply-panel"') and "greater than or equal to 0.01" in html
    good = client.post(
        f"/board/{post.pk}/apply/", {"message": "Hi, mail me: a@b.com", "rate": "29.99"}, HTTP_HX_REQUEST="true"
    )
    assert "Your application is saved." in good.content.decode()
    application = Application.objects.get(applicant=other_teacher)
    assert application.rate == 2999 and "a@b.com" not in application.message


def test_the_compare_page_shows_each_applicant_side_by_side(student, request_post, tutor, other_tutor):
    from django.utils import timezone

    from tutors.models import SpokenLanguage

    tutor.rating_average, tutor.rating_count, tutor.response_minutes = "4.8", 12, 45
    tutor.verified_at = timezone.now()
    tutor.save()
    other_tutor.response_minutes = 300
    other_tutor.save()
    other_tutor.languages.add(SpokenLanguage.objects.create(code="es", name="Spanish"))
    apply(tutor.user, request_post, message="Ten years of GCSE algebra.", rate=3600)
    apply(other_tutor.user, request_post, message="Patient and practical.", rate=2800)
    html = client_for(student).get(f"/board/{request_post.pk}/applicants/").content.decode()
    text = re.sub(r"\s+", " ", html)
    for expected in [
        "Tess Teacher",
        "Otto Other",
        "£36",
        "£28",
        "4.8 from 12 reviews",
        "No reviews yet",
        "Verified",
        "Not verified",
        "English, Spanish",
        "Mathematics",
        "45 minutes",
        "5 hours",
        "Ten years of GCSE algebra.",
        "Patient and practical.",
        "Accept Tess Teacher",
        "Accept Otto Other",
    ]:
        assert expected in text, expected


def test_staff_hide_a_post_in_the_admin_with_a_reason(staff_user, world):
    post, _ = world
    client = client_for(staff_user)
    response = client.post(f"/admin/board/post/{post.pk}/change/", {"hide_reason": "Spam", "_save": "Save"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.hidden_reason == "Spam" and post.hidden_at
    assert AuditLogEntry.objects.filter(action="board.post.hide", actor=staff_user).exists()
    assert client.get("/admin/board/application/").status_code == 200
    # Off the board for teachers.
    assert "0 posts" in client_for(world[1].applicant).get("/board/").content.decode()
