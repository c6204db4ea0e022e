"""The rules of coursework: handing in (drafts, the late policy, resubmission, files checked by
their content), extensions, grading with a rubric, releasing grades and asking for a regrade.
Views and the admin call these; each checks who may do it."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_q.tasks import async_task

from chat.attachments import AttachmentRejected, check_attachment
from courses import selectors as course_selectors
from courses import services as course_services
from courses.models import CoursePage, Enrollment, QuizAttempt
from coursework.models import (
    AssignmentPage,
    CohortDueDate,
    Extension,
    FileKinds,
    GradeOverride,
    GradingScheme,
    Submission,
)
from lms.formats import when
from lms.models import User
from lms.services import audit_record, notify


class CourseworkError(Exception):
    """A coursework action that is not allowed; the message says why, for the person who tried."""


FILE_KINDS_ALLOWED = {
    FileKinds.PDF: {"pdf"},
    FileKinds.IMAGE: {"image"},
    FileKinds.ANY: {"pdf", "image"},
}


def _course_of(assignment: AssignmentPage) -> CoursePage:
    course = assignment.course
    if course is None or not course.live or not assignment.live:
        raise CourseworkError(_("This assignment is not part of a published course."))
    return course


def _may_grade(*, user: User, course: CoursePage) -> None:
    if not course_selectors.may_teach(user=user, course=course):
        raise PermissionDenied(_("Only the course's teachers can do this."))


# --- Handing in ------------------------------------------------------------------------------


def _checked_file(*, assignment: AssignmentPage, upload):
    allowed = FILE_KINDS_ALLOWED.get(assignment.file_kinds)
    if not allowed:
        raise CourseworkError(_("This assignment does not take files."))
    if not getattr(upload, "size", 0):
        raise CourseworkError(_("That file is empty."))
    try:
        checked = check_attachment(upload, limit=assignment.max_file_mb * 1024 * 1024)
    except AttachmentRejected as exc:
        raise CourseworkError(str(exc)) from exc
    if checked.kind not in allowed:
        raise CourseworkError(
            _("This assignment takes %(kinds)s only.") % {"kinds": FileKinds(assignment.file_kinds).label}
        )
    return checked


@transaction.atomic
def submission_save(
    *,
    student: User,
    assignment: AssignmentPage,
    text: str = "",
    link: str = "",
    upload=None,
    remove_file: bool = False,
    hand_in: bool = False,
) -> Submission:
    """Keep a draft (`hand_in=False`) or hand the work in. Handing in again is allowed until
    the due date when the assignment allows it; nothing is taken after the cut-off."""
    course = _course_of(assignment)
    enrollment = course_selectors.active_enrollment(user=student, course=course)
    if enrollment is None:
        raise CourseworkError(_("Enroll in the course to hand in work."))
    blocking = course_services.lesson_blocked_by(student=student, lesson=assignment, course=course)
    if blocking is not None:
        raise CourseworkError(_("Complete “%(title)s” first.") % {"title": blocking.title})
    opens_at = assignment.opens_for(enrollment)
    if opens_at is not None and timezone.now() < opens_at:
        raise CourseworkError(_("This lesson opens on %(date)s.") % {"date": when(opens_at)})
    text, link = (text or "").strip(), (link or "").strip()
    if text and not assignment.accepts_text:
        raise CourseworkError(_("This assignment does not take text."))
    if link:
        if not assignment.accepts_link:
            raise CourseworkError(_("This assignment does not take links."))
        try:
            URLValidator(schemes=["http", "https"])(link)
        except ValidationError as exc:
            raise CourseworkError(_("Enter a full web address, starting with https://.")) from exc
    checked = _checked_file(assignment=assignment, upload=upload) if upload is not None else None

    submission, _created = Submission.objects.get_or_create(assignment=assignment, student=student)
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    now = timezone.now()
    extension = Extension.objects.filter(assignment=assignment, student=student).first()
    cohort_date = CohortDueDate.for_student(assignment=assignment, student=student)
    cut_off, due = assignment.cut_off_for(extension, cohort_date), assignment.due_for(extension, cohort_date)
    if cut_off is not None and now > cut_off:
        raise CourseworkError(_("Submissions closed on the cut-off date."))
    if submission.submitted_at is not None:
        if not hand_in:
            raise CourseworkError(_("You have handed this in: hand it in again to change it."))
        if not assignment.resubmission_allowed:
            raise CourseworkError(_("You have handed this in; it cannot be changed."))
        if due is not None and now > due:
            raise CourseworkError(_("You have handed this in, and the due date has passed."))
        if submission.graded_at is not None:
            raise CourseworkError(_("Your work has been graded; it cannot be changed."))

    submission.text = text if assignment.accepts_text else ""
    submission.link = link if assignment.accepts_link else ""
    if checked is not None:
        submission.file.save(checked.content.name, checked.content, save=False)
        submission.file_name, submission.file_type, submission.file_size = checked.name, checked.kind, checked.size
    elif remove_file:
        submission.file, submission.file_name, submission.file_type, submission.file_size = "", "", "", 0
    submission.updated_at = now
    if hand_in:
        if not (submission.text or submission.link or submission.file):
            raise CourseworkError(_("Add your work before handing it in."))
        submission.submitted_at = now
        submission.times_submitted += 1
        days = assignment.days_late(now, due)
        penalty = assignment.points * Decimal(min(100, days * assignment.late_penalty_percent)) / 100
        submission.late_penalty = penalty.quantize(Decimal("0.01"))
    submission.save()
    if hand_in:
        try:
            course_services.lesson_complete(student=student, lesson=assignment, course=course)
        except course_services.CourseError as exc:
            raise CourseworkError(str(exc)) from exc
    return submission


@transaction.atomic
def extension_grant(*, actor: User, assignment: AssignmentPage, student: User, due_at) -> Extension:
    """A later due date for one enrolled student (replacing an earlier extension); they are told."""
    course = _course_of(assignment)
    _may_grade(user=actor, course=course)
    if course_selectors.active_enrollment(user=student, course=course) is None:
        raise CourseworkError(_("%(name)s is not enrolled in this course.") % {"name": student.name})
    if assignment.due_at and due_at <= assignment.due_at:
        raise CourseworkError(_("An extension must be later than the due date."))
    extension, _created = Extension.objects.update_or_create(
        assignment=assignment, student=student, defaults={"due_at": due_at, "granted_by": actor}
    )
    audit_record(actor=actor, action="coursework.extension", target=extension, changes={"due_at": (None, due_at)})
    notify(
        user=student,
        kind="course",
        title=gettext_lazy("More time for “%(title)s”") % {"title": assignment.title},
        body=gettext_lazy("Your teacher gave you an extension."),
        url=assignment.url,
    )
    return extension


@transaction.atomic
def cohort_due_set(*, actor: User, assignment: AssignmentPage, cohort, due_at, cut_off_at=None) -> CohortDueDate:
    """The assignment's due date (and cut-off) for one cohort of its course; audited."""
    course = _course_of(assignment)
    _may_grade(user=actor, course=course)
    if cohort.course_id != course.pk:
        raise CourseworkError(_("That cohort belongs to another course."))
    if cut_off_at is not None and cut_off_at < due_at:
        raise CourseworkError(_("The cut-off cannot be before the due date."))
    dates, _created = CohortDueDate.objects.update_or_create(
        assignment=assignment, cohort=cohort, defaults={"due_at": due_at, "cut_off_at": cut_off_at}
    )
    audit_record(actor=actor, action="coursework.cohort_due", target=dates, changes={"due_at": (None, due_at)})
    return dates


# --- Grading ---------------------------------------------------------------------------------


def _score_from_levels(*, assignment: AssignmentPage, levels: dict[str, str]) -> tuple[Decimal, dict[str, str]]:
    rows = assignment.rubric.rows()
    chosen, total = {}, Decimal(0)
    for row in rows:
        level_id = levels.get(row["id"])
        level = next((level for level in row["levels"] if level["id"] == level_id), None)
        if level is None:
            raise CourseworkError(_("Choose a level for “%(criterion)s”.") % {"criterion": row["title"]})
        chosen[row["id"]] = level["id"]
        total += level["points"]
    # The rubric's points are scaled to the assignment's (a rubric is reused across assignments).
    top = assignment.rubric.max_points
    score = (total * assignment.points / top) if top else Decimal(0)
    return score.quantize(Decimal("0.01")), chosen


def _parsed_score(*, assignment: AssignmentPage, score) -> Decimal:
    try:
        value = Decimal(str(score).strip().replace(",", "."))
    except (InvalidOperation, ValueError) as exc:
        raise CourseworkError(_("Enter the score as a number.")) from exc
    if not value.is_finite() or value < 0 or value > assignment.points:
        raise CourseworkError(_("The score must be between 0 and %(points)s.") % {"points": assignment.points})
    return value.quantize(Decimal("0.01"))


@transaction.atomic
def submission_grade(
    *,
    actor: User,
    submission: Submission,
    levels: dict[str, str] | None = None,
    score=None,
    feedback: str = "",
    feedback_upload=None,
    release: bool = False,
) -> Submission:
    """Grade a submission with its assignment's rubric (a level per criterion) or a typed score;
    release it now or later with the rest (`grades_release`). Grading answers a regrade request."""
    submission = Submission.objects.select_for_update().select_related("student").get(pk=submission.pk)
    assignment = submission.assignment
    course = _course_of(assignment)
    _may_grade(user=actor, course=course)
    if assignment.rubric_id:
        value, chosen = _score_from_levels(assignment=assignment, levels=levels or {})
    else:
        if score in (None, ""):
            raise CourseworkError(_("Enter a score."))
        value, chosen = _parsed_score(assignment=assignment, score=score), {}
    checked = None
    if feedback_upload is not None:
        try:
            checked = check_attachment(feedback_upload, limit=25 * 1024 * 1024)
        except AttachmentRejected as exc:
            raise CourseworkError(str(exc)) from exc
    before = submission.score
    submission.score, submission.levels = value, chosen
    submission.feedback = (feedback or "").strip()
    if checked is not None:
        submission.feedback_file.save(checked.content.name, checked.content, save=False)
        submission.feedback_file_name, submission.feedback_file_type = checked.name, checked.kind
    submission.graded_by, submission.graded_at = actor, timezone.now()
    submission.regrade_requested_at = None
    was_released = submission.released_at is not None
    submission.save()
    if before is not None and before != value:
        audit_record(actor=actor, action="coursework.regrade", target=submission, changes={"score": (before, value)})
    if release or was_released:
        _release(submission, assignment=assignment, again=was_released)
    return submission


def _release(submission: Submission, *, assignment: AssignmentPage, again: bool = False) -> None:
    submission.released_at = timezone.now()
    submission.save(update_fields=["released_at"])
    # A student who has done every lesson may now reach the course's minimum grade.
    course_services.course_completion_check(student=submission.student, course=assignment.course)
    title = (
        gettext_lazy("Your grade for “%(title)s” was updated")
        if again
        else gettext_lazy("Your grade for “%(title)s” is ready")
    )
    notify(
        user=submission.student,
        kind="course",
        title=title % {"title": assignment.title},
        body=gettext_lazy("Open the assignment to see your grade and your teacher's feedback."),
        url=assignment.url,
    )


@transaction.atomic
def grades_release(*, actor: User, assignment: AssignmentPage) -> int:
    """Release every graded, unreleased submission of the assignment; each student is told once."""
    course = _course_of(assignment)
    _may_grade(user=actor, course=course)
    waiting = list(
        Submission.objects.select_for_update()
        .select_related("student")
        .filter(assignment=assignment, graded_at__isnull=False, released_at__isnull=True)
    )
    for submission in waiting:
        _release(submission, assignment=assignment)
    return len(waiting)


@transaction.atomic
def regrade_request(*, student: User, submission: Submission, reason: str) -> Submission:
    """The student asks their teacher to look again; it goes back to the grading queue."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if submission.student_id != student.pk:
        raise PermissionDenied(_("This is not your submission."))
    if submission.released_at is None:
        raise CourseworkError(_("You can ask for a regrade once your grade is released."))
    if submission.regrade_requested_at is not None:
        raise CourseworkError(_("You have already asked; your teacher will look again."))
    reason = (reason or "").strip()
    if not reason:
        raise CourseworkError(_("Say what you would like your teacher to look at again."))
    submission.regrade_reason, submission.regrade_requested_at = reason[:2000], timezone.now()
    submission.save(update_fields=["regrade_reason", "regrade_requested_at"])
    assignment = submission.assignment
    course = assignment.course
    for teacher in course.teacher_users() if course else []:
        notify(
            user=teacher,
            kind="course",
            title=gettext_lazy("%(name)s asks for a regrade of “%(title)s”")
            % {"name": student.name, "title": assignment.title},
            body=reason[:300],
            url=submission.get_absolute_url(),
        )
    return submission


# --- The gradebook ----------------------------------------------------------------------------


@transaction.atomic
def grading_scheme_set(
    *,
    actor: User,
    course: CoursePage,
    assignment_weight: int,
    quiz_weight: int,
    attendance_weight: int,
    drop_lowest_assignments: int = 0,
    drop_lowest_quizzes: int = 0,
    letters: list | None = None,
    completion_min_percent: int | None = None,
) -> GradingScheme:
    """Set how the course's grade is made (audited). The weights must add up to 100."""
    _may_grade(user=actor, course=course)
    weights = (assignment_weight, quiz_weight, attendance_weight)
    if any(w < 0 or w > 100 for w in weights) or sum(weights) != 100:
        raise CourseworkError(_("The weights must add up to 100 %."))
    scheme = GradingScheme.objects.select_for_update().filter(course=course).first() or GradingScheme(course=course)
    fields = ("assignment_weight", "quiz_weight", "attendance_weight", "completion_min_percent")
    before = {f: getattr(scheme, f) for f in fields}
    scheme.assignment_weight, scheme.quiz_weight, scheme.attendance_weight = weights
    scheme.drop_lowest_assignments, scheme.drop_lowest_quizzes = drop_lowest_assignments, drop_lowest_quizzes
    if letters is not None:
        scheme.letters = letters
    scheme.completion_min_percent = completion_min_percent
    scheme.save()
    audit_record(
        actor=actor,
        action="coursework.grading_scheme",
        target=scheme,
        changes={f: (before[f], getattr(scheme, f)) for f in before if before[f] != getattr(scheme, f)},
    )
    was, now = before["completion_min_percent"], scheme.completion_min_percent
    if was is not None and (now is None or now < was):
        # Easier than before: students who finished every lesson but fell short may be done now.
        transaction.on_commit(
            lambda: async_task("coursework.services.completions_recheck", course.pk, task_name=f"recheck-{course.pk}")
        )
    return scheme


def completions_recheck(course_id: int) -> int:
    """Complete every active enrolment of the course whose student now meets its requirements
    (the worker runs it after the minimum grade was lowered); returns the certificates issued."""
    course = CoursePage.objects.get(pk=course_id)
    issued = 0
    waiting = Enrollment.objects.filter(course=course, status=Enrollment.Status.ACTIVE, completed_at__isnull=True)
    for enrollment in waiting.select_related("student"):
        with transaction.atomic():
            if course_services.course_completion_check(student=enrollment.student, course=course) is not None:
                issued += 1
    return issued


def parse_letters(text: str) -> list:
    """ "A 90, B 80, C 70, F 0" → [[90, "A"], [80, "B"], [70, "C"], [0, "F"]], highest first.
    One letter must start at 0 so every grade has one."""
    letters = []
    for part in (text or "").replace(";", ",").split(","):
        pieces = part.split()
        if not pieces:
            continue
        if len(pieces) != 2 or not pieces[1].isdigit() or int(pieces[1]) > 100 or len(pieces[0]) > 3:
            raise CourseworkError(_("Write each letter and its lowest percentage, e.g. “A 90, B 80, F 0”."))
        letters.append([int(pieces[1]), pieces[0]])
    if not letters or min(minimum for minimum, _letter in letters) != 0:
        raise CourseworkError(_("One letter must start at 0 %."))
    if len({minimum for minimum, _letter in letters}) != len(letters):
        raise CourseworkError(_("Each letter needs its own lowest percentage."))
    return sorted(letters, reverse=True)


def _is_course_item(*, course: CoursePage, item: str) -> bool:
    kind, _sep, pk = (item or "").partition(":")
    if kind == "attendance" and not pk:
        return True
    if not pk.isascii() or not pk.isdigit() or len(pk) > 18:
        return False
    if kind == "assignment":
        return AssignmentPage.objects.descendant_of(course).filter(pk=int(pk)).exists()
    if kind == "quiz":
        return any(lesson.pk == int(pk) for lesson in course.lessons())
    return False


@transaction.atomic
def grade_override_set(
    *, actor: User, course: CoursePage, student: User, item: str, percent, reason: str
) -> GradeOverride | None:
    """Put a teacher's grade in place of the computed one for one student and item, with the
    reason (audited). An empty `percent` removes the override."""
    _may_grade(user=actor, course=course)
    if course_selectors.active_enrollment(user=student, course=course) is None:
        raise CourseworkError(_("%(name)s is not enrolled in this course.") % {"name": student.name})
    if not _is_course_item(course=course, item=item):
        raise CourseworkError(_("Choose an item of this course's gradebook."))
    reason = (reason or "").strip()
    if not reason:
        raise CourseworkError(_("Give the reason for the change; the student and staff can see it."))
    existing = GradeOverride.objects.select_for_update().filter(course=course, student=student, item=item).first()
    before = existing.percent if existing else None
    if percent in (None, ""):
        if existing is not None:
            existing.delete()
        audit_record(
            actor=actor,
            action="coursework.grade_override",
            target=course,
            changes={item: (before, None)},
            message=reason,
        )
        return None
    try:
        value = Decimal(str(percent).strip().replace(",", "."))
    except (InvalidOperation, ValueError) as exc:
        raise CourseworkError(_("Enter the grade as a percentage from 0 to 100.")) from exc
    if not value.is_finite() or not 0 <= value <= 100:
        raise CourseworkError(_("Enter the grade as a percentage from 0 to 100."))
    override, _created = GradeOverride.objects.update_or_create(
        course=course,
        student=student,
        item=item,
        defaults={
            "percent": value.quantize(Decimal("0.01")),
            "reason": reason[:300],
            "changed_by": actor,
            "changed_at": timezone.now(),
        },
    )
    audit_record(
        actor=actor,
        action="coursework.grade_override",
        target=override,
        changes={item: (before, override.percent)},
        message=reason,
    )
    course_services.course_completion_check(student=student, course=course)
    return override


# --- Short answers checked by hand ------------------------------------------------------------


@transaction.atomic
def quiz_answers_check(*, actor: User, attempt: QuizAttempt, verdicts: dict[int, bool]) -> QuizAttempt:
    """A teacher marks the short answers of a quiz attempt right or wrong (`verdicts`: question
    index → right?). The score and pass are worked out again (a pass completes a required
    quiz's lesson), the attempt leaves the queue, and the student is told if the score changed."""
    attempt = QuizAttempt.objects.select_for_update().select_related("course", "lesson", "student").get(pk=attempt.pk)
    course = attempt.course
    _may_grade(user=actor, course=course)
    results = attempt.results
    short = {result["question"] for result in results if result.get("short")}
    if not set(verdicts) <= short:
        raise CourseworkError(_("Only short answers are marked by hand."))
    before = attempt.score
    for result in results:
        if result["question"] in verdicts:
            result["correct"] = bool(verdicts[result["question"]])
            result["by_teacher"] = True
    quiz = attempt.lesson.specific.quiz
    pass_mark = quiz.value["pass_mark"] if quiz is not None else 100
    attempt.score = round(100 * sum(bool(r["correct"]) for r in results) / len(results)) if results else 0
    attempt.passed = attempt.score >= pass_mark
    attempt.to_check, attempt.checked_at, attempt.checked_by = False, timezone.now(), actor
    attempt.save(update_fields=["results", "score", "passed", "to_check", "checked_at", "checked_by"])
    audit_record(
        actor=actor,
        action="coursework.quiz.check",
        target=attempt,
        changes={"score": (before, attempt.score)},
    )
    if attempt.passed and quiz is not None:
        course_services.quiz_passed(attempt=attempt, quiz=quiz.value)
    if attempt.score != before:
        notify(
            user=attempt.student,
            kind="course",
            title=format_lazy(
                gettext_lazy("Your teacher checked your answers to “{lesson}”: {score} %"),
                lesson=attempt.lesson.title,
                score=attempt.score,
            ),
            url=attempt.lesson.url or "",
        )
    return attempt
