import threading

import pytest
from django.db import IntegrityError, connection, transaction

from courses import selectors, services
from courses.models import Certificate, Enrollment, LessonProgress, QuizAttempt
from courses.tests.factories import QUIZ_ANSWERS_RIGHT, lessons_of, make_course
from lms.models import Notification, Role
from lms.tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(teacher):
    return make_course(teacher)


def test_enrollment_create_is_idempotent_and_notifies(student, course):
    first = services.enrollment_create(student=student, course=course, source=Enrollment.Source.FREE)
    again = services.enrollment_create(student=student, course=course, source=Enrollment.Source.PURCHASE)
    assert first.pk == again.pk
    assert Enrollment.objects.filter(student=student, course=course).count() == 1
    assert Notification.objects.filter(user=student, kind="course", title__contains=course.title).count() == 1
    assert selectors.course_access(user=student, course=course)
    assert selectors.active_enrollment(user=student, course=course) == first


def test_one_active_enrollment_per_student_and_course_in_the_database(student, course):
    Enrollment.objects.create(student=student, course=course, source="free")
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(student=student, course=course, source="staff")
    # An ended enrollment does not count: the student can enroll again.
    Enrollment.objects.update(status=Enrollment.Status.ENDED)
    Enrollment.objects.create(student=student, course=course, source="staff")


def test_enrollment_end_then_enroll_again(student, course, staff_user):
    enrollment = services.enrollment_create(student=student, course=course, source="purchase", reference="pi_1")
    ended = services.enrollment_end(enrollment=enrollment, reason="Refunded.", actor=staff_user)
    assert ended.status == Enrollment.Status.ENDED and ended.ended_at is not None
    assert not selectors.course_access(user=student, course=course)
    again = services.enrollment_create(student=student, course=course, source="staff", actor=staff_user)
    assert again.pk != enrollment.pk and again.is_active


def test_enrollment_create_rejects_unknown_source(student, course):
    with pytest.raises(services.CourseError):
        services.enrollment_create(student=student, course=course, source="gift")


def test_course_access_by_role(student, teacher, other_teacher, staff_user, course):
    assert selectors.course_access(user=teacher, course=course)
    assert not selectors.course_access(user=other_teacher, course=course)
    assert selectors.course_access(user=staff_user, course=course)
    assert not selectors.course_access(user=student, course=course)


def test_teacher_users_puts_the_owner_first(teacher, other_teacher):
    course = make_course(teacher)
    course.teachers.add(other_teacher)
    course.save()
    assert [t.pk for t in course.teacher_users()] == [teacher.pk, other_teacher.pk]
    assert course.is_free and course.currency == "GBP"


def test_paid_course_cannot_be_enrolled_in_for_free(student, teacher):
    paid = make_course(teacher, price="25.00")
    with pytest.raises(services.CourseError, match="paid"):
        services.course_enroll(student=student, course=paid)


def test_prerequisites_are_enforced(student, teacher):
    basics = make_course(teacher, title="Basics", modules=1, lessons=1, quiz_in_last=False)
    advanced = make_course(teacher, title="Advanced", enforce_prerequisites=True)
    advanced.prerequisites.add(basics)
    advanced.save()
    with pytest.raises(services.CourseError, match="Basics"):
        services.course_enroll(student=student, course=advanced)
    services.course_enroll(student=student, course=basics)
    services.lesson_complete(student=student, lesson=lessons_of(basics)[0])
    assert services.course_enroll(student=student, course=advanced).is_active


def test_lesson_complete_needs_enrollment(student, course):
    with pytest.raises(services.CourseError, match="Enroll"):
        services.lesson_complete(student=student, lesson=lessons_of(course)[0])


def test_lesson_order_is_enforced_when_the_course_asks(student, teacher):
    course = make_course(teacher, enforce_order=True, quiz_in_last=False)
    services.course_enroll(student=student, course=course)
    first, second, *_ = lessons_of(course)
    with pytest.raises(services.CourseError, match="Lesson 1"):
        services.lesson_complete(student=student, lesson=second)
    services.lesson_complete(student=student, lesson=first)
    services.lesson_complete(student=student, lesson=second)


def test_quiz_grading_and_required_pass(student, course):
    services.course_enroll(student=student, course=course)
    quiz_lesson = lessons_of(course)[-1]
    with pytest.raises(services.CourseError, match="Pass the quiz"):
        services.lesson_complete(student=student, lesson=quiz_lesson)
    wrong = {"0": ["0"], "1": ["0"], "2": ["false"], "3": ["Lyon"]}
    attempt = services.quiz_submit(student=student, lesson=quiz_lesson, answers=wrong)
    assert attempt.score == 0 and not attempt.passed
    assert [r["correct"] for r in attempt.results] == [False, False, False, False]
    attempt = services.quiz_submit(student=student, lesson=quiz_lesson, answers=QUIZ_ANSWERS_RIGHT)
    assert attempt.score == 100 and attempt.passed
    assert LessonProgress.objects.filter(student=student, lesson=quiz_lesson).exists()
    assert QuizAttempt.objects.filter(student=student).count() == 2


def test_short_answers_ignore_case_and_spaces(student, course):
    services.course_enroll(student=student, course=course)
    answers = {**QUIZ_ANSWERS_RIGHT, "3": ["  PARIS,   france "]}
    attempt = services.quiz_submit(student=student, lesson=lessons_of(course)[-1], answers=answers)
    assert attempt.results[3]["correct"]


def test_quiz_attempt_limit(student, course):
    services.course_enroll(student=student, course=course)
    quiz_lesson = lessons_of(course)[-1]
    wrong = {"0": ["0"], "1": ["1"], "2": ["false"], "3": ["x"]}
    services.quiz_submit(student=student, lesson=quiz_lesson, answers=wrong)
    services.quiz_submit(student=student, lesson=quiz_lesson, answers=wrong)
    with pytest.raises(services.CourseError, match="all 2 attempts"):
        services.quiz_submit(student=student, lesson=quiz_lesson, answers=QUIZ_ANSWERS_RIGHT)
    assert QuizAttempt.objects.filter(student=student).count() == 2


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"0": ["1"], "1": ["0"], "2": ["true"]}, "Answer question 4"),
        ({**QUIZ_ANSWERS_RIGHT, "0": ["7"]}, "Question 1: that is not one of its choices"),
        ({**QUIZ_ANSWERS_RIGHT, "0": ["abc"]}, "Question 1: that is not one of its choices"),
        ({**QUIZ_ANSWERS_RIGHT, "0": ["0", "1"]}, "Question 1: that is not one of its choices"),
        ({**QUIZ_ANSWERS_RIGHT, "1": ["-1"]}, "Question 2: that is not one of its choices"),
        ({**QUIZ_ANSWERS_RIGHT, "2": ["maybe"]}, "Question 3: answer true or false"),
    ],
)
def test_bad_quiz_submissions_are_refused_and_not_stored(student, course, answers, message):
    services.course_enroll(student=student, course=course)
    with pytest.raises(services.CourseError, match=message):
        services.quiz_submit(student=student, lesson=lessons_of(course)[-1], answers=answers)
    assert not QuizAttempt.objects.exists()


def _pdf_title(pdf: bytes) -> str:
    """The document title fpdf2 writes into the PDF's info dictionary (UTF-16, hex or literal)."""
    import re

    match = re.search(rb"/Title\s*(<[0-9A-Fa-f]+>|\((?:[^()\\]|\\.)*\))", pdf)
    raw = match.group(1)
    if raw.startswith(b"<"):
        return bytes.fromhex(raw[1:-1].decode()).decode("utf-16")
    value = raw[1:-1]
    return value.decode("utf-16") if value.startswith(b"\xfe\xff") else value.decode("latin-1")


def test_completing_every_lesson_issues_one_certificate(
    student, course, mailoutbox, django_capture_on_commit_callbacks
):
    services.course_enroll(student=student, course=course)
    *plain, quiz_lesson = lessons_of(course)
    for lesson in plain:
        services.lesson_complete(student=student, lesson=lesson)
    assert not Certificate.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.quiz_submit(student=student, lesson=quiz_lesson, answers=QUIZ_ANSWERS_RIGHT)
    certificate = Certificate.objects.get(student=student, course=course)
    assert certificate.course_title == course.title and "Tess Teacher" in certificate.teacher_names
    assert Enrollment.objects.get(student=student, course=course).completed_at is not None
    assert Notification.objects.filter(user=student, title__startswith="Congratulations").count() == 1
    [email] = [m for m in mailoutbox if "Congratulations" in m.subject]
    [(filename, pdf, mimetype)] = email.attachments
    assert (filename, mimetype) == (f"lyceum-certificate-{certificate.code}.pdf", "application/pdf")
    assert pdf.startswith(b"%PDF") and _pdf_title(pdf) == f"Certificate {certificate.code}"
    # Completing again changes nothing.
    services.lesson_complete(student=student, lesson=plain[0])
    assert Certificate.objects.count() == 1


def test_student_progress_and_continue(student, course):
    services.course_enroll(student=student, course=course)
    lessons = lessons_of(course)
    services.lesson_complete(student=student, lesson=lessons[0])
    [item] = selectors.student_progress(user=student)
    assert (item.done, item.total, item.percent) == (1, 4, 25)
    assert item.continue_url == lessons[1].url


def _submit(course, teacher):
    workflow = course.get_workflow()
    assert workflow is not None and workflow.name == "Course review"
    workflow.start(course, teacher)
    course.refresh_from_db()
    return course.current_workflow_task_state


def test_moderation_rejection_notifies_the_teacher_with_the_comment(teacher, staff_user):
    course = make_course(teacher, publish=False)
    task_state = _submit(course, teacher)
    assert Notification.objects.filter(user=staff_user, kind="moderation", title__contains="submitted").exists()
    task_state.task.specific.on_action(task_state, staff_user, "reject", comment="Add a summary, please.")
    note = Notification.objects.get(user=teacher, kind="moderation")
    assert "Changes requested" in note.title and "Add a summary, please." in note.body
    course.refresh_from_db()
    assert not course.live


def test_moderation_approval_publishes_and_notifies(teacher, staff_user):
    course = make_course(teacher, publish=False)
    task_state = _submit(course, teacher)
    task_state.task.specific.on_action(task_state, staff_user, "approve", comment="Lovely.")
    course.refresh_from_db()
    assert course.live
    note = Notification.objects.get(user=teacher, kind="moderation")
    assert "approved" in note.title and "Lovely." in note.body


def test_teachers_may_add_courses_but_only_edit_their_own(teacher, other_teacher):
    course = make_course(teacher)
    index = services.catalog_page_ensure()
    assert index.permissions_for_user(teacher).can_add_subpage()
    assert course.permissions_for_user(teacher).can_edit()
    assert not course.permissions_for_user(other_teacher).can_edit()
    assert not course.permissions_for_user(teacher).can_publish()
    student = make_user(Role.STUDENT)
    assert not index.permissions_for_user(student).can_add_subpage()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_enrollments_make_one_row(teacher):
    course = make_course(teacher)
    student = make_user(Role.STUDENT)
    barrier = threading.Barrier(4)
    results, errors = [], []

    def enroll():
        try:
            barrier.wait()
            results.append(services.enrollment_create(student=student, course=course, source="free").pk)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=enroll) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(results)) == 1
    assert Enrollment.objects.filter(student=student, course=course, status="active").count() == 1


def test_another_teacher_cannot_add_lessons_to_my_course(teacher, other_teacher):
    course = make_course(teacher)
    module = course.get_children().specific().first()
    assert course.permissions_for_user(teacher).can_add_subpage()
    assert module.permissions_for_user(teacher).can_add_subpage()
    assert not course.permissions_for_user(other_teacher).can_add_subpage()
    assert not module.permissions_for_user(other_teacher).can_add_subpage()
    assert not lessons_of(course)[0].permissions_for_user(other_teacher).can_edit()
