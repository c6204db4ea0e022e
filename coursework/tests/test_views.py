"""Coursework's pages and actions, through the URLs people use, for every role."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from courses.services import enrollment_create
from courses.tests.factories import make_course
from coursework import services
from coursework.models import Extension, Submission
from coursework.tests.factories import level_ids, make_assignment, make_rubric
from coursework.tests.test_services import pdf, png
from lms.models import Notification
from lms.tests.factories import make_user

DUE = datetime(2030, 3, 10, 17, 0, tzinfo=UTC)
ROLES = ["anonymous", "student", "enrolled", "teacher", "other_teacher", "staff"]


@pytest.fixture
def world(teacher, other_teacher, staff_user, student):
    course = make_course(teacher, quiz_in_last=False)
    enrolled = make_user(email="enrolled@example.com", display_name="Enid Enrolled")
    enrollment_create(student=enrolled, course=course, source="free")
    assignment = make_assignment(course, teacher, due_at=DUE, rubric=make_rubric(teacher))
    return {
        "course": course,
        "assignment": assignment,
        "anonymous": None,
        "student": student,
        "enrolled": enrolled,
        "teacher": teacher,
        "other_teacher": other_teacher,
        "staff": staff_user,
    }


def client_as(world, role) -> Client:
    client = Client()
    if world[role] is not None:
        client.force_login(world[role])
    return client


def handed_in(world, **kwargs) -> Submission:
    return services.submission_save(
        student=world["enrolled"], assignment=world["assignment"], text="My essay", hand_in=True, **kwargs
    )


EXPECTED_PAGE = {"anonymous": 403, "student": 403, "enrolled": 200, "teacher": 200, "other_teacher": 403, "staff": 200}


@pytest.mark.parametrize("role", ROLES)
def test_the_assignment_page_by_role(world, role):
    response = client_as(world, role).get(world["assignment"].url)
    assert response.status_code == EXPECTED_PAGE[role]
    html = response.content.decode()
    if response.status_code == 200:
        assert "INSTRUCTIONS of Essay" in html and "How it is graded" in html and "Argument" in html
        assert ('value="hand-in"' in html) == (role == "enrolled")
        assert ("Grade submissions" in html) == (role in ("teacher", "staff"))
    else:
        assert "INSTRUCTIONS of Essay" not in html


def test_the_outline_marks_the_assignment(world):
    html = client_as(world, "enrolled").get(world["course"].url).content.decode()
    assert "Essay" in html and "Assignment" in html


@pytest.mark.parametrize("role", ROLES)
def test_hand_in_by_role(world, role):
    url = f"/coursework/assignments/{world['assignment'].pk}/hand-in/"
    with time_machine.travel(DUE - timedelta(days=1)):
        response = client_as(world, role).post(url, {"text": "Mine", "action": "hand-in"})
    stored = Submission.objects.filter(submitted_at__isnull=False)
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == 302 and response["Location"].endswith("#hand-in")
    if role == "enrolled":
        assert [s.student for s in stored] == [world["enrolled"]]
    else:
        assert not Submission.objects.exists()


def test_hand_in_with_htmx_returns_the_panel_and_errors_change_nothing(world):
    url = f"/coursework/assignments/{world['assignment'].pk}/hand-in/"
    with time_machine.travel(DUE - timedelta(days=1)):
        client = client_as(world, "enrolled")  # signed in "then": a session is dated
        bad = client.post(
            url, {"action": "hand-in", "file": SimpleUploadedFile("x.pdf", b"<html>")}, HTTP_HX_REQUEST="true"
        )
        assert bad.status_code == 200
        assert 'role="alert"' in bad.content.decode() and "Only images" in bad.content.decode()
        assert not Submission.objects.exclude(file="").exists()
        draft = client.post(url, {"action": "draft", "text": "Half done"}, HTTP_HX_REQUEST="true")
        assert "Draft saved." in draft.content.decode() and "Half done" in draft.content.decode()
        done = client.post(url, {"action": "hand-in", "text": "Done", "file": png()}, HTTP_HX_REQUEST="true")
    html = done.content.decode()
    assert "Handed in." in html and 'id="hand-in"' in html and "<html" not in html
    submission = Submission.objects.get()
    assert submission.text == "Done" and submission.file_type == "image" and submission.submitted_at


FILE_EXPECTED = {"anonymous": 302, "student": 404, "enrolled": 200, "teacher": 200, "other_teacher": 404, "staff": 200}


@pytest.mark.parametrize("role", ROLES)
def test_a_submitted_file_by_role(world, role):
    with time_machine.travel(DUE - timedelta(days=1)):
        submission = handed_in(world, upload=pdf("essay.pdf"))
    response = client_as(world, role).get(f"/coursework/submissions/{submission.pk}/file/")
    assert response.status_code == FILE_EXPECTED[role]
    if response.status_code == 200:
        assert response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"] and "essay.pdf" in response["Content-Disposition"]
        assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_the_feedback_file_waits_for_the_release(world):
    submission = handed_in(world)
    services.submission_grade(
        actor=world["teacher"],
        submission=submission,
        levels=level_ids(world["assignment"].rubric),
        feedback_upload=png("notes.png"),
    )
    url = f"/coursework/submissions/{submission.pk}/feedback-file/"
    assert client_as(world, "enrolled").get(url).status_code == 404
    assert client_as(world, "teacher").get(url).status_code == 200
    services.grades_release(actor=world["teacher"], assignment=world["assignment"])
    response = client_as(world, "enrolled").get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"


TEACHING = {"anonymous": 302, "student": 403, "enrolled": 403, "teacher": 200, "other_teacher": 403, "staff": 200}


@pytest.mark.parametrize("role", ROLES)
def test_the_grading_queue_by_role(world, role):
    handed_in(world)
    response = client_as(world, role).get(f"/coursework/teach/{world['course'].pk}/grading/")
    assert response.status_code == TEACHING[role]
    if response.status_code == 200:
        assert "Enid Enrolled" in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_the_grading_page_by_role(world, role):
    submission = handed_in(world)
    response = client_as(world, role).get(f"/coursework/teach/submissions/{submission.pk}/")
    assert response.status_code == TEACHING[role]
    if response.status_code == 200:
        html = response.content.decode()
        assert "My essay" in html and 'type="radio"' in html and "<legend" in html


def test_grading_saves_and_opens_the_next_submission(world):
    first = handed_in(world)
    second_student = make_user(email="second@example.com", display_name="Second Student")
    enrollment_create(student=second_student, course=world["course"], source="free")
    second = services.submission_save(student=second_student, assignment=world["assignment"], text="B", hand_in=True)
    client = client_as(world, "teacher")
    url = f"/coursework/teach/submissions/{first.pk}/?show=todo"
    page = client.get(url).content.decode()
    assert f"/coursework/teach/submissions/{second.pk}/?show=todo" in page and 'data-shortcut="j"' in page
    missing = client.post(url, {"feedback": "No levels"})
    assert missing.status_code == 400 and "Choose a level" in missing.content.decode()
    first.refresh_from_db()
    assert first.graded_at is None
    levels = {f"level-{key}": value for key, value in level_ids(world["assignment"].rubric, pick=1).items()}
    saved = client.post(url, {**levels, "feedback": "Good work", "action": "save"})
    assert saved.status_code == 302 and saved["Location"] == f"/coursework/teach/submissions/{second.pk}/?show=todo"
    first.refresh_from_db()
    assert first.score == Decimal("60.00") and first.feedback == "Good work" and first.released_at is None
    # Opened again, the page shows the levels given.
    review = client.get(f"/coursework/teach/submissions/{first.pk}/").content.decode()
    assert all(f'value="{level}" checked' in review for level in first.levels.values())


@pytest.mark.parametrize("role", ROLES)
def test_releasing_grades_by_role(world, role):
    submission = handed_in(world)
    services.submission_grade(
        actor=world["teacher"], submission=submission, levels=level_ids(world["assignment"].rubric)
    )
    response = client_as(world, role).post(f"/coursework/teach/assignments/{world['assignment'].pk}/release/")
    submission.refresh_from_db()
    released = role in ("teacher", "staff")
    assert response.status_code == (302 if released or role == "anonymous" else 403)
    assert (submission.released_at is not None) == released
    assert Notification.objects.filter(user=world["enrolled"], title__contains="is ready").exists() == released


def test_the_student_sees_the_released_grade_and_feedback(world):
    submission = handed_in(world)
    services.submission_grade(
        actor=world["teacher"],
        submission=submission,
        levels=level_ids(world["assignment"].rubric, pick=1),
        feedback="Tighter argument",
    )
    html = client_as(world, "enrolled").get(world["assignment"].url).content.decode()
    assert "Tighter argument" not in html and "Grade:" not in html
    services.grades_release(actor=world["teacher"], assignment=world["assignment"])
    html = client_as(world, "enrolled").get(world["assignment"].url).content.decode()
    assert "Grade: 60 / 100" in html and "Tighter argument" in html and "Ask for a regrade" in html


@pytest.mark.parametrize("role", ROLES)
def test_extensions_by_role(world, role):
    url = f"/coursework/teach/assignments/{world['assignment'].pk}/extensions/"
    client = client_as(world, role)
    assert client.get(url).status_code == TEACHING[role]
    response = client.post(url, {"student": world["enrolled"].pk, "due_at": "2030-03-15T09:00"})
    granted = role in ("teacher", "staff")
    assert response.status_code == (302 if granted or role == "anonymous" else 403)
    assert Extension.objects.exists() == granted


def test_an_extension_is_read_in_the_teachers_time_zone_across_dst(world):
    teacher = world["teacher"]
    teacher.time_zone = "America/New_York"
    teacher.save()
    client = client_as(world, "teacher")
    url = f"/coursework/teach/assignments/{world['assignment'].pk}/extensions/"
    # 10 March 2030 is the day New York moves its clocks forward: 02:30 does not exist.
    gap = client.post(url, {"student": world["enrolled"].pk, "due_at": "2030-03-10T02:30"})
    assert gap.status_code == 400 and not Extension.objects.exists()
    client.post(url, {"student": world["enrolled"].pk, "due_at": "2030-03-12T09:00"})
    assert Extension.objects.get().due_at == datetime(2030, 3, 12, 13, 0, tzinfo=UTC)  # EDT, UTC−4
    early = client.post(url, {"student": world["enrolled"].pk, "due_at": "2030-03-01T09:00"})
    assert early.status_code == 400 and "later than the due date" in early.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_asking_for_a_regrade_by_role(world, role):
    submission = handed_in(world)
    services.submission_grade(
        actor=world["teacher"], submission=submission, levels=level_ids(world["assignment"].rubric), release=True
    )
    response = client_as(world, role).post(f"/coursework/submissions/{submission.pk}/regrade/", {"reason": "Please"})
    submission.refresh_from_db()
    assert response.status_code == {"anonymous": 302, "enrolled": 302}.get(role, 404)
    assert (submission.regrade_requested_at is not None) == (role == "enrolled")
