"""Coursework's pages and actions, through the URLs people use, for every role."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

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


# --- The queue in pages --------------------------------------------------------------------------


@pytest.fixture
def queue_world(world, monkeypatch):
    """Five students' work on the essay handed in one after another, a second assignment's too,
    Eve's essay graded and sent back for a regrade (first in the queue); two to a page."""
    from coursework import views

    monkeypatch.setattr(views, "QUEUE_PER_PAGE", 2)
    course, teacher = world["course"], world["teacher"]
    essay = make_assignment(course, teacher, title="Plain essay")  # scored without a rubric
    report = make_assignment(course, teacher, title="Report")
    works = {}
    for name in ("Ann", "Ben", "Cat", "Dan", "Eve"):
        student = make_user(email=f"{name.lower()}@example.com", display_name=f"{name} Student")
        enrollment_create(student=student, course=course, source="free")
        works[name] = services.submission_save(student=student, assignment=essay, text="Essay", hand_in=True)
        works[f"{name} report"] = services.submission_save(
            student=student, assignment=report, text="Report", hand_in=True
        )
    services.submission_grade(actor=teacher, submission=works["Eve"], score="40", release=True)
    services.regrade_request(student=works["Eve"].student, submission=works["Eve"], reason="Look again")
    return {**world, "essay": essay, "report": report, "works": works}


def _names(html: str) -> list[str]:
    return [name for name in ("Ann", "Ben", "Cat", "Dan", "Eve") if f"{name} Student</td>" in html]


def test_the_queue_pages_keep_the_order_and_the_filters(queue_world):
    client = client_as(queue_world, "teacher")
    url = f"/coursework/teach/{queue_world['course'].pk}/grading/"
    essay = queue_world["essay"].pk
    # Regrade requests first, then the oldest hand-in: Eve, Ann | Ben, Cat | Dan.
    first = client.get(url, {"show": "todo", "assignment": essay}).content.decode()
    assert _names(first) == ["Ann", "Eve"] and "5 submissions" in first and "Page 1 of 3" in first
    assert first.index("Eve Student") < first.index("Ann Student")
    second = client.get(url, {"show": "todo", "assignment": essay, "page": 2}).content.decode()
    assert _names(second) == ["Ben", "Cat"] and "Page 2 of 3" in second
    assert f'rel="prev" href="?show=todo&amp;assignment={essay}&amp;page=1"' in second
    assert f'rel="next" href="?show=todo&amp;assignment={essay}&amp;page=3"' in second
    assert "Report" not in second.split('id="queue-title"')[1]  # the filter holds on page 2
    # Every essay and report handed in: ten, five pages; the graded ones only: Eve's.
    everything = client.get(url, {"show": "all", "page": 5}).content.decode()
    assert "10 submissions" in everything and "Page 5 of 5" in everything and 'rel="next"' not in everything
    graded = client.get(url, {"show": "graded"}).content.decode()
    assert "0 submissions" in graded and "Nothing to grade here." in graded


@pytest.mark.parametrize("page", ["abc", "0", "-1", "999", "2.5", "", "9" * 30])
def test_a_page_out_of_range_or_garbage_is_still_a_page(queue_world, page):
    response = client_as(queue_world, "teacher").get(
        f"/coursework/teach/{queue_world['course'].pk}/grading/", {"assignment": queue_world["essay"].pk, "page": page}
    )
    html = response.content.decode()
    assert response.status_code == 200
    # Django's Paginator.get_page: a number out of range is the last page, anything else the first.
    assert ("Page 3 of 3" in html) if page in ("0", "-1", "999", "9" * 30) else ("Page 1 of 3" in html)


def test_j_and_k_cross_the_page_boundary_and_read_no_whole_queue(queue_world):
    client = client_as(queue_world, "teacher")
    works, essay = queue_world["works"], queue_world["essay"].pk
    query = f"?show=todo&assignment={essay}"

    def page(name):
        return client.get(f"/coursework/teach/submissions/{works[name].pk}/{query}").content.decode()

    def link(name):
        return f"/coursework/teach/submissions/{works[name].pk}/{query.replace('&', '&amp;')}"

    # Ann ends page 1 (Eve, Ann), Ben starts page 2 (Ben, Cat).
    ann = page("Ann")
    assert f'href="{link("Eve")}" rel="prev"' in ann and f'href="{link("Ben")}" rel="next"' in ann
    assert "2 of 5 in the queue" in ann and f"grading/{query.replace('&', '&amp;')}&amp;page=1" in ann
    ben = page("Ben")
    assert f'href="{link("Ann")}" rel="prev"' in ben and f'href="{link("Cat")}" rel="next"' in ben
    assert "3 of 5 in the queue" in ben and "&amp;page=2" in ben
    eve, dan = page("Eve"), page("Dan")
    assert 'rel="prev"' not in eve and f'href="{link("Ann")}" rel="next"' in eve
    assert f'href="{link("Cat")}" rel="prev"' in dan and 'rel="next"' not in dan
    # Not in this queue (the report's filter): no previous, the queue's first next.
    reports = f"?show=todo&amp;assignment={queue_world['report'].pk}"
    other = client.get(f"/coursework/teach/submissions/{works['Ben'].pk}/{reports.replace('&amp;', '&')}")
    html = other.content.decode()
    assert 'rel="prev"' not in html and f'submissions/{works["Ann report"].pk}/{reports}" rel="next"' in html
    # Saving Ben's grade opens Cat's; saving the last (Dan) goes back to the first left.
    saved = client.post(f"/coursework/teach/submissions/{works['Ben'].pk}/{query}", {"score": "70"})
    assert saved["Location"] == f"/coursework/teach/submissions/{works['Cat'].pk}/{query}"
    saved = client.post(f"/coursework/teach/submissions/{works['Dan'].pk}/{query}", {"score": "70"})
    assert saved["Location"] == f"/coursework/teach/submissions/{works['Eve'].pk}/{query}"
    # The grading page asks the DB for its neighbours: as many queries with twice the queue.
    url = f"/coursework/teach/submissions/{works['Cat'].pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for i in range(5):
        student = make_user(email=f"more{i}@example.com", display_name=f"More {i}")
        enrollment_create(student=student, course=queue_world["course"], source="free")
        services.submission_save(student=student, assignment=queue_world["report"], text="R", hand_in=True)
    with CaptureQueriesContext(connection) as large:
        assert "5 of 13 in the queue" in client.get(url).content.decode()
    assert 0 < len(large.captured_queries) <= len(small.captured_queries)
