import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django_htmx.middleware import HtmxDetails  # noqa: F401  (django-htmx must be installed)
from wagtail.documents import get_document_model

from courses import services
from courses.models import Certificate, Enrollment, LessonProgress, QuizAttempt
from courses.tests.factories import QUIZ_ANSWERS_RIGHT, lessons_of, make_course
from lms.models import Role
from lms.tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "student", "enrolled", "owner", "other_teacher", "staff"]


@pytest.fixture
def course(teacher):
    return make_course(teacher, title="Graph Theory")


@pytest.fixture
def enrolled(course):
    user = make_user(Role.STUDENT, email="enrolled@example.com", display_name="Erin Enrolled")
    services.course_enroll(student=user, course=course)
    return user


@pytest.fixture
def as_role(client, student, enrolled, teacher, other_teacher, staff_user):
    users = {
        "anonymous": None,
        "student": student,
        "enrolled": enrolled,
        "owner": teacher,
        "other_teacher": other_teacher,
        "staff": staff_user,
    }

    def login(role):
        client.logout()
        if users[role] is not None:
            client.force_login(users[role])
        return client, users[role]

    return login


# --- Catalog ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_catalog_is_open_to_everyone(as_role, course, role):
    client, _ = as_role(role)
    response = client.get("/courses/")
    assert response.status_code == 200
    assert "Graph Theory" in response.content.decode()


def test_catalog_filters_search_and_htmx_partial(client, teacher):
    make_course(teacher, title="Python Basics", modules=1, lessons=1)
    make_course(teacher, title="Poetry Workshop", price="20", modules=1, lessons=1)
    html = client.get("/courses/", {"price": "paid"}).content.decode()
    assert "Poetry Workshop" in html and "Python Basics" not in html
    html = client.get("/courses/", {"q": "pyth"}).content.decode()  # a prefix
    assert "Python Basics" in html and "Poetry Workshop" not in html
    html = client.get("/courses/", {"q": "pyhton"}).content.decode()  # a typo
    assert "Python Basics" in html and "Showing results for" in html
    response = client.get("/courses/", {"q": "poetry"}, headers={"HX-Request": "true", "HX-Target": "course-results"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and 'id="course-results"' in html
    assert "Poetry Workshop" in html
    assert "HX-Request" in response["Vary"]
    # Bad input never errors.
    assert client.get("/courses/", {"page": "zz", "sort": "nope", "level": "x", "category": "nope"}).status_code == 200


def test_catalog_paginates(client, teacher):
    for i in range(14):
        make_course(teacher, title=f"Course {i:02}", modules=0)
    page1 = client.get("/courses/", {"sort": "title"}).content.decode()
    page2 = client.get("/courses/", {"sort": "title", "page": 2}).content.decode()
    assert "Course 00" in page1 and "Course 13" not in page1
    assert "Course 13" in page2 and "sort=title&amp;page=1" in page2


def test_anonymous_catalog_is_cached_until_a_page_is_published(client, teacher):
    make_course(teacher, title="First Course", modules=0)
    assert client.get("/courses/").get("X-Lyceum-Cache") is None
    assert client.get("/courses/")["X-Lyceum-Cache"] == "hit"
    make_course(teacher, title="Second Course", modules=0)  # publishing invalidates
    response = client.get("/courses/")
    assert response.get("X-Lyceum-Cache") is None and "Second Course" in response.content.decode()


# --- Course page ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", "Log in to enroll for free"),
        ("student", "Enroll for free"),
        ("enrolled", "You are enrolled"),
        ("owner", "Students and analytics"),
        ("other_teacher", "Enroll for free"),
        ("staff", "Staff access"),
    ],
)
def test_course_page_per_role(as_role, course, role, expected):
    client, _ = as_role(role)
    response = client.get(course.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert expected in html
    assert "Lesson 4" in html  # the syllabus is public
    assert "LESSON-BODY" not in html


def test_paid_course_shows_the_buy_button_and_refuses_free_enrollment(client, student, teacher):
    paid = make_course(teacher, title="Paid Course", price="30.00")
    client.force_login(student)
    html = client.get(paid.url).content.decode()
    assert "£30" in html and "30.00" not in html and "Enroll for free" not in html
    response = client.post(reverse("courses:enroll", args=[paid.pk]), follow=True)
    assert "paid" in response.content.decode()
    assert not Enrollment.objects.filter(student=student, course=paid).exists()


@pytest.mark.parametrize(
    ("role", "outcome"),
    [
        ("anonymous", "login"),
        ("student", "enrolled"),
        ("enrolled", "enrolled"),
        ("owner", "refused"),
        ("other_teacher", "refused"),
        ("staff", "enrolled"),
    ],
)
def test_enroll_per_role(as_role, course, role, outcome):
    client, user = as_role(role)
    response = client.post(reverse("courses:enroll", args=[course.pk]))
    assert response.status_code == 302
    if outcome == "login":
        assert "/accounts/login/" in response["Location"]
    elif outcome == "enrolled":
        assert Enrollment.objects.filter(student=user, course=course, status="active").count() == 1
        assert response["Location"] == lessons_of(course)[0].url
    else:
        assert not Enrollment.objects.filter(student=user).exists()


def test_enroll_needs_post(client, student, course):
    client.force_login(student)
    assert client.get(reverse("courses:enroll", args=[course.pk])).status_code == 405


# --- Lessons ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 403), ("student", 403), ("enrolled", 200), ("owner", 200), ("other_teacher", 403), ("staff", 200)],
)
def test_locked_lesson_per_role(as_role, course, role, status):
    client, _ = as_role(role)
    lesson = lessons_of(course)[1]
    response = client.get(lesson.url)
    assert response.status_code == status
    html = response.content.decode()
    if status == 403:
        assert "LESSON-BODY-2" not in html
        assert "Log in" in html or "Enroll" in html
    else:
        assert "LESSON-BODY-2" in html


@pytest.mark.parametrize("role", ROLES)
def test_free_preview_lesson_is_open_to_everyone(as_role, course, role):
    client, _ = as_role(role)
    response = client.get(lessons_of(course)[0].url)
    assert response.status_code == 200
    assert "LESSON-BODY-1" in response.content.decode()


def test_lesson_of_unpublished_course_is_not_found(client, staff_user, teacher):
    draft = make_course(teacher, publish=False)
    client.force_login(staff_user)
    assert client.get(lessons_of(draft)[0].url).status_code == 404


def test_quiz_answers_never_reach_the_browser_before_submission(client, enrolled, course):
    client.force_login(enrolled)
    html = client.get(lessons_of(course)[-1].url).content.decode()
    assert "Pick B" in html and "SECRET-RIGHT-B" in html
    assert "Paris" not in html and "Feedback for" not in html and "correct" not in html.lower().replace("incorrect", "")


def test_mark_complete_with_htmx_and_without(client, enrolled, course):
    client.force_login(enrolled)
    first, second, *_ = lessons_of(course)
    url = reverse("courses:lesson_complete", args=[first.pk])
    response = client.post(url, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and "Lesson complete" in html
    response = client.post(reverse("courses:lesson_complete", args=[second.pk]))
    assert response.status_code == 302 and response["Location"] == lessons_of(course)[2].url
    assert LessonProgress.objects.filter(student=enrolled).count() == 2
    # The course page and dashboard continue from the next lesson.
    html = client.get(course.url).content.decode()
    assert "Continue: Lesson 3" in html


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 302), ("student", 200), ("enrolled", 200), ("owner", 200), ("other_teacher", 200), ("staff", 200)],
)
def test_mark_complete_per_role(as_role, course, role, status):
    client, _ = as_role(role)
    lesson = lessons_of(course)[0]
    response = client.post(reverse("courses:lesson_complete", args=[lesson.pk]), headers={"HX-Request": "true"})
    assert response.status_code == status
    done = LessonProgress.objects.filter(lesson=lesson).exists()
    assert done == (role == "enrolled")
    if status == 200 and role != "enrolled":
        assert "Enroll in the course" in response.content.decode()


def test_quiz_submission_with_htmx(client, enrolled, course):
    client.force_login(enrolled)
    lesson = lessons_of(course)[-1]
    url = reverse("courses:quiz_submit", args=[lesson.pk])
    post = {f"q-{k}": v for k, v in QUIZ_ANSWERS_RIGHT.items()}
    response = client.post(url, post, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Passed with 100%" in html and 'hx-swap-oob="true"' in html and "Lesson complete" in html
    assert QuizAttempt.objects.get(student=enrolled).passed


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"q-0": "1", "q-1": "0", "q-2": "true"}, "Answer question 4"),
        ({"q-0": "99", "q-1": "0", "q-2": "true", "q-3": "Paris"}, "not one of its choices"),
        ({"q-0": "<script>", "q-1": "0", "q-2": "true", "q-3": "Paris"}, "not one of its choices"),
        ({}, "Answer question 1"),
    ],
)
def test_bad_quiz_submissions_get_a_clear_error(client, enrolled, course, post, message):
    client.force_login(enrolled)
    lesson = lessons_of(course)[-1]
    url = reverse("courses:quiz_submit", args=[lesson.pk])
    response = client.post(url, post, headers={"HX-Request": "true"})
    assert response.status_code == 200 and message in response.content.decode()
    response = client.post(url, post, follow=True)
    assert message in response.content.decode()
    assert not QuizAttempt.objects.exists()


def test_quiz_on_a_lesson_without_one_is_not_found(client, enrolled, course):
    client.force_login(enrolled)
    assert client.post(reverse("courses:quiz_submit", args=[lessons_of(course)[0].pk])).status_code == 404


@pytest.mark.parametrize(
    ("role", "stored"),
    [
        ("anonymous", False),
        ("student", False),
        ("enrolled", True),
        ("owner", False),
        ("other_teacher", False),
        ("staff", False),
    ],
)
def test_quiz_submit_per_role(as_role, course, role, stored):
    client, _ = as_role(role)
    lesson = lessons_of(course)[-1]
    post = {f"q-{k}": v for k, v in QUIZ_ANSWERS_RIGHT.items()}
    response = client.post(reverse("courses:quiz_submit", args=[lesson.pk]), post)
    assert response.status_code == 302
    assert QuizAttempt.objects.exists() == stored


# --- Certificates -----------------------------------------------------------------------------


@pytest.fixture
def certificate(enrolled, course):
    *plain, quiz_lesson = lessons_of(course)
    for lesson in plain:
        services.lesson_complete(student=enrolled, lesson=lesson)
    services.quiz_submit(student=enrolled, lesson=quiz_lesson, answers=QUIZ_ANSWERS_RIGHT)
    return Certificate.objects.get(student=enrolled)


@pytest.mark.parametrize("role", ROLES)
def test_certificate_verification_is_public(as_role, certificate, role):
    client, _ = as_role(role)
    response = client.get(reverse("courses:certificate_verify", args=[certificate.code]))
    html = response.content.decode()
    assert response.status_code == 200 and "Genuine certificate" in html and "Erin Enrolled" in html


def test_unknown_and_revoked_certificates(client, certificate, staff_user):
    response = client.get(reverse("courses:certificate_verify", args=["NOPE1234"]))
    assert response.status_code == 404 and "No certificate with this ID" in response.content.decode()
    services.certificate_revoke(certificate=certificate, actor=staff_user, reason="Cheating.")
    html = client.get(reverse("courses:certificate_verify", args=[certificate.code])).content.decode()
    assert "no longer valid" in html


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 302), ("student", 403), ("enrolled", 200), ("owner", 403), ("other_teacher", 403), ("staff", 200)],
)
def test_certificate_download_per_role(as_role, certificate, role, status):
    client, _ = as_role(role)
    response = client.get(reverse("courses:certificate_download", args=[certificate.code]))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")


# --- Teacher pages ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 302), ("student", 403), ("enrolled", 403), ("owner", 200), ("other_teacher", 403), ("staff", 200)],
)
def test_course_insights_per_role(as_role, course, role, status):
    client, _ = as_role(role)
    response = client.get(reverse("courses:course_insights", args=[course.pk]))
    assert response.status_code == status
    csv_response = client.get(reverse("courses:course_students_csv", args=[course.pk]))
    assert csv_response.status_code == status
    if status == 200:
        assert "Erin Enrolled" in response.content.decode() and "<svg" in response.content.decode()
        lines = csv_response.content.decode().splitlines()
        assert lines[0].startswith("name,email,status") and "enrolled@example.com" in lines[1]


def test_insights_figures(client, teacher, course, certificate):
    client.force_login(teacher)
    html = client.get(reverse("courses:course_insights", args=[course.pk])).content.decode()
    assert "100%" in html  # completion rate: the one student completed


def test_csv_cells_cannot_start_a_formula(client, teacher, course):
    sneaky = make_user(Role.STUDENT, display_name="=HYPERLINK(1)")
    services.course_enroll(student=sneaky, course=course)
    client.force_login(teacher)
    body = client.get(reverse("courses:course_students_csv", args=[course.pk])).content.decode()
    assert "'=HYPERLINK(1)" in body


# --- Dashboards -------------------------------------------------------------------------------


def test_student_dashboard_shows_progress_and_certificates(client, enrolled, certificate):
    client.force_login(enrolled)
    html = client.get("/dashboard/student/").content.decode()
    assert "Graph Theory" in html and "4 of 4 lessons" in html and certificate.code in html


def test_teacher_dashboard_lists_my_courses(client, teacher, course, other_teacher):
    make_course(other_teacher, title="Not Mine", modules=0)
    client.force_login(teacher)
    html = client.get("/dashboard/teacher/").content.decode()
    assert "Graph Theory" in html and "Not Mine" not in html


# --- Protected files --------------------------------------------------------------------------


@pytest.fixture
def attachment(teacher, course):
    import json
    import uuid

    Document = get_document_model()
    document = Document(title="Secret handout", uploaded_by_user=teacher)
    document.file.save("handout.txt", ContentFile(b"SECRET-HANDOUT"), save=False)
    document.save()
    lesson = lessons_of(course)[1]
    body = list(lesson.body.raw_data) + [
        {"type": "attachment", "id": str(uuid.uuid4()), "value": {"document": document.pk, "description": ""}}
    ]
    lesson.body = json.dumps(body)
    lesson.save_revision(user=teacher).publish()
    return document


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 302), ("student", 403), ("enrolled", 200), ("owner", 200), ("other_teacher", 403), ("staff", 200)],
)
def test_lesson_attachment_needs_access(as_role, attachment, role, status):
    client, _ = as_role(role)
    response = client.get(attachment.url)
    assert response.status_code == status
    if status == 200:
        assert b"SECRET-HANDOUT" in b"".join(response.streaming_content)


def test_unused_document_is_private_to_staff_and_uploader(client, student, teacher):
    Document = get_document_model()
    document = Document(title="Draft", uploaded_by_user=teacher)
    document.file.save("draft.txt", ContentFile(b"DRAFT"), save=False)
    document.save()
    client.force_login(student)
    assert client.get(document.url).status_code == 403
    client.force_login(teacher)
    assert client.get(document.url).status_code == 200


# --- Sign-in still works with the real form (sanity for the e2e flow) ---------------------


def test_login_then_enroll(client, student, course):
    assert client.login(email=student.email, password=PASSWORD)
    client.post(reverse("courses:enroll", args=[course.pk]))
    assert Enrollment.objects.filter(student=student, course=course).exists()


# --- Staff portal -----------------------------------------------------------------------------


def test_staff_enroll_a_student_from_django_admin(client, staff_user, student, course):
    client.force_login(staff_user)
    assert client.get("/admin/courses/enrollment/add/").status_code == 200
    data = {"student": student.pk, "course": course.pk, "source": "staff", "reference": "ticket-42"}
    response = client.post("/admin/courses/enrollment/add/", data)
    assert response.status_code == 302
    enrollment = Enrollment.objects.get(student=student, course=course)
    assert enrollment.source == "staff" and enrollment.reference == "ticket-42" and enrollment.is_active
    # Adding again is idempotent: still one active enrollment.
    client.post("/admin/courses/enrollment/add/", data)
    assert Enrollment.objects.filter(student=student, course=course).count() == 1
    response = client.post(
        "/admin/courses/enrollment/", {"action": "end_enrollments", "_selected_action": [enrollment.pk]}
    )
    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.ENDED


def test_students_cannot_open_the_enrollment_admin(client, student):
    client.force_login(student)
    assert client.get("/admin/courses/enrollment/").status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_module_url_opens_the_course_outline(as_role, course, role):
    client, _ = as_role(role)
    module = course.get_children().first()
    response = client.get(module.url)
    assert response.status_code == 302 and response["Location"] == f"{course.url}#module-{module.pk}"


def test_unknown_course_path_is_not_found(client):
    assert client.get("/courses/no-such-course/").status_code == 404
    assert client.get("/courses/a/b/c/").status_code == 404


def test_teacher_previews_a_lesson_of_an_unpublished_course(client, teacher):
    draft = make_course(teacher, publish=False)
    lesson = lessons_of(draft)[1]
    client.force_login(teacher)
    response = client.get(f"/cms/pages/{lesson.pk}/view_draft/")
    assert response.status_code == 200 and "LESSON-BODY-2" in response.content.decode()


def test_teacher_previews_an_unpublished_course_page(client, teacher):
    draft = make_course(teacher, title="Unreleased Course", publish=False)
    client.force_login(teacher)
    response = client.get(f"/cms/pages/{draft.pk}/view_draft/")
    assert response.status_code == 200 and "Unreleased Course" in response.content.decode()
