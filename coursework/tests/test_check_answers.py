"""Short quiz answers the machine did not accept, checked by a teacher from the grading queue."""

import pytest
from django.test import Client

from courses.models import LessonProgress, QuizAttempt
from courses.services import enrollment_create, quiz_submit
from courses.tests.factories import QUIZ_ANSWERS_RIGHT, lessons_of, make_course
from coursework import selectors, services
from lms.models import AuditLogEntry, Notification
from lms.tests.factories import make_user

ROLES = ["anonymous", "student", "enrolled", "teacher", "other_teacher", "staff"]


@pytest.fixture
def world(teacher, other_teacher, staff_user, student):
    course = make_course(teacher)  # the last lesson's required quiz: pass mark 75 %, question 4 short
    enrolled = make_user(email="enrolled@example.com", display_name="Enid Enrolled")
    enrollment_create(student=enrolled, course=course, source="free")
    quiz_lesson = lessons_of(course)[-1]
    # Two wrong: "Lutetia" (short) and question 1 → 50 %, failed, waiting for a check.
    answers = {**QUIZ_ANSWERS_RIGHT, "0": ["0"], "3": ["Lutetia"]}
    attempt = quiz_submit(student=enrolled, lesson=quiz_lesson, answers=answers)
    return {
        "course": course,
        "lesson": quiz_lesson,
        "attempt": attempt,
        "anonymous": None,
        "student": student,
        "enrolled": enrolled,
        "teacher": teacher,
        "other_teacher": other_teacher,
        "staff": staff_user,
    }


def test_a_wrong_short_answer_waits_for_a_teacher_and_a_right_one_does_not(world):
    attempt = world["attempt"]
    assert attempt.to_check and attempt.score == 50 and not attempt.passed
    assert list(selectors.answers_to_check(course=world["course"])) == [attempt]
    other = make_user(email="other@example.com")
    enrollment_create(student=other, course=world["course"], source="free")
    clean = quiz_submit(student=other, lesson=world["lesson"], answers=QUIZ_ANSWERS_RIGHT)
    assert not clean.to_check


def test_marking_the_short_answer_right_rescores_and_tells_the_student(world):
    attempt = services.quiz_answers_check(actor=world["teacher"], attempt=world["attempt"], verdicts={3: True})
    assert attempt.score == 75 and attempt.passed and not attempt.to_check  # 3 of 4
    assert attempt.results[3]["correct"] and attempt.results[3]["by_teacher"]
    assert attempt.checked_by == world["teacher"]
    assert LessonProgress.objects.filter(student=world["enrolled"], lesson=world["lesson"]).exists()
    assert Notification.objects.filter(user=world["enrolled"], title__contains="checked your answers").exists()
    assert AuditLogEntry.objects.filter(action="coursework.quiz.check").exists()
    assert list(selectors.answers_to_check(course=world["course"])) == []


def test_only_short_answers_are_marked_by_hand_and_only_by_the_course_s_teachers(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(services.CourseworkError, match="Only short answers"):
        services.quiz_answers_check(actor=world["teacher"], attempt=world["attempt"], verdicts={0: True})
    with pytest.raises(PermissionDenied):
        services.quiz_answers_check(actor=world["other_teacher"], attempt=world["attempt"], verdicts={3: True})
    world["attempt"].refresh_from_db()
    assert world["attempt"].score == 50 and world["attempt"].to_check


@pytest.mark.parametrize("role", ROLES)
def test_the_check_page_by_role(world, role):
    client = Client()
    if world[role] is not None:
        client.force_login(world[role])
    url = f"/coursework/teach/quiz-attempts/{world['attempt'].pk}/"
    response = client.get(url)
    expected = {"anonymous": 302, "teacher": 200, "staff": 200}.get(role, 403)
    assert response.status_code == expected
    if expected == 200:
        html = response.content.decode()
        assert "Lutetia" in html and "Paris" in html and "Capital of France?" in html
    response = client.post(url, {"q3": "right"})
    attempt = QuizAttempt.objects.get(pk=world["attempt"].pk)
    assert (attempt.score == 75) == (role in ("teacher", "staff"))
    if role in ("teacher", "staff"):
        assert (
            response.status_code == 302 and response["Location"] == f"/coursework/teach/{world['course'].pk}/grading/"
        )


def test_the_check_page_refuses_a_missing_verdict(world):
    client = Client()
    client.force_login(world["teacher"])
    response = client.post(f"/coursework/teach/quiz-attempts/{world['attempt'].pk}/", {"q3": "maybe"})
    assert response.status_code == 400 and "Mark every answer right or wrong." in response.content.decode()
    world["attempt"].refresh_from_db()
    assert world["attempt"].to_check


def test_the_grading_queue_lists_the_answers_to_check(world):
    client = Client()
    client.force_login(world["teacher"])
    html = client.get(f"/coursework/teach/{world['course'].pk}/grading/").content.decode()
    assert "Short quiz answers to check" in html
    assert f"/coursework/teach/quiz-attempts/{world['attempt'].pk}/" in html
