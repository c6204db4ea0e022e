"""Lowering a course's minimum grade completes the students who finished every lesson but fell short."""

from courses.models import Certificate
from courses.services import enrollment_create, lesson_complete, quiz_submit
from courses.tests.factories import QUIZ_ANSWERS_RIGHT, lessons_of, make_course
from coursework import services
from coursework.tests.factories import make_assignment
from lms.tests.factories import make_user


def scheme(teacher, course, minimum):
    return services.grading_scheme_set(
        actor=teacher,
        course=course,
        assignment_weight=100,
        quiz_weight=0,
        attendance_weight=0,
        completion_min_percent=minimum,
    )


def test_a_lowered_minimum_grade_issues_the_certificates_now_earned(teacher, django_capture_on_commit_callbacks):
    course = make_course(teacher)
    scheme(teacher, course, 70)
    essay = make_assignment(course, teacher, title="Essay", module_index=1)
    students = {}
    for name, score in (("ann", "60"), ("bob", "40")):
        student = make_user(email=f"{name}@example.com", display_name=name.title())
        enrollment_create(student=student, course=course, source="free")
        for lesson in lessons_of(course):
            if lesson.pk == essay.pk:
                submission = services.submission_save(student=student, assignment=essay, text="w", hand_in=True)
            elif lesson.quiz is not None:
                quiz_submit(student=student, lesson=lesson, answers=QUIZ_ANSWERS_RIGHT)
            else:
                lesson_complete(student=student, lesson=lesson, course=course)
        services.submission_grade(actor=teacher, submission=submission, score=score, release=True)
        students[name] = student
    assert not Certificate.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        scheme(teacher, course, 50)  # Ann's 60 % is enough now; Bob's 40 % is not
    assert list(Certificate.objects.values_list("student__email", flat=True)) == ["ann@example.com"]
    with django_capture_on_commit_callbacks(execute=True):
        scheme(teacher, course, None)  # no minimum: Bob finished every lesson
    assert Certificate.objects.filter(student=students["bob"], course=course).exists()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        scheme(teacher, course, 90)  # raised: nothing to re-check (and nothing taken back)
    assert callbacks == [] and Certificate.objects.count() == 2
