"""Handing in, the late policy, extensions, grading with a rubric, releasing and regrades."""

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from courses.models import LessonProgress
from courses.services import enrollment_create
from courses.tests.factories import make_course
from coursework import services
from coursework.models import Submission
from coursework.tests.factories import level_ids, make_assignment, make_rubric
from lms.models import Notification
from lms.tests.factories import make_user

DUE = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)


def png(name="work.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def pdf(name="work.pdf") -> SimpleUploadedFile:
    from pypdf import PdfWriter

    writer, buffer = PdfWriter(), io.BytesIO()
    writer.add_blank_page(72, 72)
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


@pytest.fixture
def course(teacher):
    return make_course(teacher, quiz_in_last=False)


@pytest.fixture
def assignment(course, teacher):
    return make_assignment(course, teacher, due_at=DUE, late_penalty_percent=10, rubric=make_rubric(teacher))


@pytest.fixture
def enrolled(student, course):
    enrollment_create(student=student, course=course, source="free")
    return student


def test_a_draft_is_kept_and_handing_in_completes_the_lesson(enrolled, assignment):
    with time_machine.travel(DUE - timedelta(days=1)):
        draft = services.submission_save(student=enrolled, assignment=assignment, text="First thoughts")
        assert draft.submitted_at is None and draft.text == "First thoughts"
        assert not LessonProgress.objects.filter(student=enrolled, lesson=assignment).exists()
        handed = services.submission_save(student=enrolled, assignment=assignment, text="Final", hand_in=True)
    assert handed.pk == draft.pk and handed.submitted_at is not None and handed.late_penalty == 0
    assert LessonProgress.objects.filter(student=enrolled, lesson_id=assignment.pk).exists()


def test_late_work_loses_points_per_started_day(enrolled, assignment):
    with time_machine.travel(DUE + timedelta(days=1, minutes=1)):  # into the second day late
        submission = services.submission_save(student=enrolled, assignment=assignment, text="Late", hand_in=True)
    assert submission.late_penalty == Decimal("20.00")  # 2 days × 10 % of 100 points


def test_nothing_is_taken_after_the_cut_off_unless_extended(enrolled, assignment, teacher):
    assignment.cut_off_at = DUE + timedelta(days=2)
    assignment.save_revision(user=teacher).publish()
    assignment.refresh_from_db()
    with time_machine.travel(DUE + timedelta(days=3)):
        with pytest.raises(services.CourseworkError, match="closed"):
            services.submission_save(student=enrolled, assignment=assignment, text="Too late", hand_in=True)
        assert not Submission.objects.filter(submitted_at__isnull=False).exists()
        services.extension_grant(actor=teacher, assignment=assignment, student=enrolled, due_at=DUE + timedelta(days=5))
        submission = services.submission_save(student=enrolled, assignment=assignment, text="Extended", hand_in=True)
    assert submission.late_penalty == 0
    assert Notification.objects.filter(user=enrolled, title__contains="More time").exists()


def test_resubmission_only_before_the_due_date_and_when_allowed(enrolled, assignment, teacher):
    with time_machine.travel(DUE - timedelta(hours=2)):
        services.submission_save(student=enrolled, assignment=assignment, text="v1", hand_in=True)
        again = services.submission_save(student=enrolled, assignment=assignment, text="v2", hand_in=True)
    assert again.text == "v2" and again.times_submitted == 2
    late = pytest.raises(services.CourseworkError, match="due date has passed")
    with time_machine.travel(DUE + timedelta(hours=1)), late:
        services.submission_save(student=enrolled, assignment=assignment, text="v3", hand_in=True)
    assignment.resubmission_allowed = False
    assignment.save_revision(user=teacher).publish()
    assignment.refresh_from_db()
    refused = pytest.raises(services.CourseworkError, match="cannot be changed")
    with time_machine.travel(DUE - timedelta(hours=1)), refused:
        services.submission_save(student=enrolled, assignment=assignment, text="v4", hand_in=True)
    assert Submission.objects.get().text == "v2"


def test_files_are_checked_by_content_and_kind(enrolled, assignment, teacher):
    assignment.file_kinds = "pdf"
    assignment.save_revision(user=teacher).publish()
    assignment.refresh_from_db()
    with time_machine.travel(DUE - timedelta(days=1)):
        for upload, message in [
            (png(), "PDF only"),
            (SimpleUploadedFile("essay.pdf", b"<html><script>alert(1)</script>"), "Only images"),
            (SimpleUploadedFile("empty.pdf", b""), "empty"),
        ]:
            with pytest.raises(services.CourseworkError, match=message):
                services.submission_save(student=enrolled, assignment=assignment, upload=upload, hand_in=True)
        assert not Submission.objects.exclude(file="").exists()
        stored = services.submission_save(
            student=enrolled, assignment=assignment, upload=pdf("My essay.pdf"), hand_in=True
        )
    assert stored.file.name.startswith("coursework/") and stored.file.name.endswith(".pdf")
    assert stored.file_name == "My essay.pdf" and stored.file_type == "pdf"


def test_an_oversized_file_is_refused(enrolled, assignment, teacher):
    assignment.max_file_mb = 1
    assignment.save_revision(user=teacher).publish()
    assignment.refresh_from_db()
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 1))
    with time_machine.travel(DUE - timedelta(days=1)), pytest.raises(services.CourseworkError, match="at most 1 MB"):
        services.submission_save(student=enrolled, assignment=assignment, upload=big, hand_in=True)


def test_only_enrolled_students_hand_in(student, assignment):
    with pytest.raises(services.CourseworkError, match="Enroll"):
        services.submission_save(student=student, assignment=assignment, text="x", hand_in=True)
    assert not Submission.objects.exists()


def test_grading_with_the_rubric_scales_to_the_points_and_releases(enrolled, assignment, teacher):
    with time_machine.travel(DUE + timedelta(hours=3)):  # one day late: 10 points off
        submission = services.submission_save(student=enrolled, assignment=assignment, text="Work", hand_in=True)
    levels = level_ids(assignment.rubric, pick=1)  # Good + Good = 12 of 20 → 60 of 100
    graded = services.submission_grade(actor=teacher, submission=submission, levels=levels, feedback="Solid.")
    assert graded.score == Decimal("60.00") and graded.final_score == Decimal("50.00")
    assert graded.released_at is None
    assert not Notification.objects.filter(user=enrolled, title__contains="grade").exists()
    assert services.grades_release(actor=teacher, assignment=assignment) == 1
    assert Notification.objects.filter(user=enrolled, title__contains="is ready").count() == 1
    assert services.grades_release(actor=teacher, assignment=assignment) == 0  # told once


def test_a_rubric_needs_a_level_for_every_criterion(enrolled, assignment, teacher):
    submission = services.submission_save(student=enrolled, assignment=assignment, text="Work", hand_in=True)
    levels = level_ids(assignment.rubric)
    levels.popitem()
    with pytest.raises(services.CourseworkError, match="Choose a level"):
        services.submission_grade(actor=teacher, submission=submission, levels=levels)
    submission.refresh_from_db()
    assert submission.graded_at is None


def test_a_typed_score_must_fit_the_points(enrolled, course, teacher):
    plain = make_assignment(course, teacher, title="Plain", points=Decimal(20))
    submission = services.submission_save(student=enrolled, assignment=plain, text="Work", hand_in=True)
    for bad in ("21", "-1", "abc", "NaN"):
        with pytest.raises(services.CourseworkError):
            services.submission_grade(actor=teacher, submission=submission, score=bad)
    graded = services.submission_grade(actor=teacher, submission=submission, score="17,5", release=True)
    assert graded.final_score == Decimal("17.50") and graded.released_at is not None


def test_only_the_course_teachers_grade(enrolled, assignment, other_teacher, staff_user):
    submission = services.submission_save(student=enrolled, assignment=assignment, text="Work", hand_in=True)
    for outsider in (other_teacher, enrolled):
        with pytest.raises(PermissionDenied):
            services.submission_grade(actor=outsider, submission=submission, levels=level_ids(assignment.rubric))
    assert (
        services.submission_grade(actor=staff_user, submission=submission, levels=level_ids(assignment.rubric)).score
        == 100
    )


def test_a_regrade_request_goes_back_to_the_queue_and_the_teacher_is_told(enrolled, assignment, teacher, course):
    from coursework.selectors import grading_queue

    submission = services.submission_save(student=enrolled, assignment=assignment, text="Work", hand_in=True)
    with pytest.raises(services.CourseworkError, match="once your grade is released"):
        services.regrade_request(student=enrolled, submission=submission, reason="Please")
    services.submission_grade(
        actor=teacher, submission=submission, levels=level_ids(assignment.rubric, pick=2), release=True
    )
    assert not grading_queue(course=course).exists()
    services.regrade_request(student=enrolled, submission=submission, reason="I cited sources.")
    assert [s.pk for s in grading_queue(course=course)] == [submission.pk]
    assert Notification.objects.filter(user=teacher, title__contains="regrade").exists()
    regraded = services.submission_grade(actor=teacher, submission=submission, levels=level_ids(assignment.rubric))
    assert regraded.regrade_requested_at is None and regraded.released_at is not None
    assert Notification.objects.filter(user=enrolled, title__contains="was updated").exists()
    other = make_user(email="someone@example.com")
    with pytest.raises(PermissionDenied):
        services.regrade_request(student=other, submission=submission, reason="x")


def test_nothing_is_handed_in_before_the_assignment_opens_nor_changed_without_handing_in_again(
    enrolled, assignment, teacher
):
    from courses.models import LessonPage

    assignment.release, assignment.release_at = LessonPage.Release.ON_DATE, DUE - timedelta(days=2)
    assignment.save_revision(user=teacher).publish()
    assignment.refresh_from_db()
    with time_machine.travel(DUE - timedelta(days=3)), pytest.raises(services.CourseworkError, match="opens on"):
        services.submission_save(student=enrolled, assignment=assignment, text="early", hand_in=True)
    assert not Submission.objects.exists()
    with time_machine.travel(DUE - timedelta(days=1)):
        services.submission_save(student=enrolled, assignment=assignment, text="v1", hand_in=True)
        with pytest.raises(services.CourseworkError, match="hand it in again"):
            services.submission_save(student=enrolled, assignment=assignment, text="quiet edit")
    assert Submission.objects.get().text == "v1"
