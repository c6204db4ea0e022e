"""Reads of coursework that need care: the grading queue and who may read a submission's files, each
in a constant number of queries. What an assignment's page reads is on its model."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from courses.models import CoursePage, Enrollment
from courses.selectors import DASHBOARD_ENROLLMENT_FIELDS
from coursework.models import AssignmentPage, CohortDueDate, Extension, Submission
from live.selectors import class_title_for, upcoming_for


def submission_for_file(*, user, submission_id: int) -> Submission | None:
    """The submission whose files `user` may download: their own, or one of a course they teach
    (or any, for staff); None otherwise."""
    submission = Submission.objects.select_related("assignment").filter(pk=submission_id).first()
    if submission is None or not getattr(user, "is_authenticated", False):
        return None
    if submission.student_id == user.pk or getattr(user, "is_platform_staff", False):
        return submission
    course = submission.assignment.course
    return submission if course is not None and course.taught_by(user) else None


# --- The grading queue -------------------------------------------------------------------------


def course_assignments(course: CoursePage) -> list[AssignmentPage]:
    return list(AssignmentPage.objects.descendant_of(course).live().order_by("path").select_related("rubric"))


def grading_queue(
    *, course: CoursePage, assignment: AssignmentPage | None = None, show: str = "todo"
) -> list[Submission]:
    """Handed-in submissions of the course's assignments, in the order to grade them: regrade
    requests first, then the oldest hand-in. `show`: "todo" (ungraded or regrade asked),
    "graded", or "all". One query."""
    submissions = (
        Submission.objects.filter(submitted_at__isnull=False, assignment__path__startswith=course.path)
        .select_related("student", "assignment")
        .order_by("submitted_at", "id")
    )
    if assignment is not None:
        submissions = submissions.filter(assignment=assignment)
    todo = Q(graded_at__isnull=True) | Q(regrade_requested_at__isnull=False)
    if show == "todo":
        submissions = submissions.filter(todo)
    elif show == "graded":
        submissions = submissions.exclude(todo)
    return sorted(submissions, key=lambda s: s.regrade_requested_at is None)  # stable: oldest first within


# --- "Up next" and deadlines -------------------------------------------------------------------


@dataclass(frozen=True)
class UpNext:
    """One line of a student's "Up next": something due or a class."""

    kind: str  # "due" or "class"
    title: str
    url: str
    when: datetime | None = None
    course_title: str = ""
    overdue: bool = False


def open_deadlines(*, user, now: datetime | None = None) -> list[tuple[AssignmentPage, datetime, CoursePage]]:
    """The student's assignments with a due date, not handed in and still open (their own due
    date: an extension counts), soonest first. Three queries."""
    now = now or timezone.now()
    enrollments = list(
        Enrollment.objects.filter(student=user, status=Enrollment.Status.ACTIVE)
        .select_related("course")
        .only(*DASHBOARD_ENROLLMENT_FIELDS, "cohort_id")
    )
    if not enrollments:
        return []
    under_courses = Q()
    for enrollment in enrollments:
        under_courses |= Q(path__startswith=enrollment.course.path)
    assignments = list(
        AssignmentPage.objects.live().filter(under_courses).exclude(due_at=None).defer_streamfields().order_by("due_at")
    )
    handed_in = set(
        Submission.objects.filter(student=user, assignment__in=assignments, submitted_at__isnull=False).values_list(
            "assignment_id", flat=True
        )
    )
    extensions = {e.assignment_id: e for e in Extension.objects.filter(student=user, assignment__in=assignments)}
    cohort_dates = {
        d.assignment_id: d
        for d in CohortDueDate.objects.filter(
            assignment__in=assignments, cohort_id__in=[e.cohort_id for e in enrollments if e.cohort_id]
        )
    }
    found = []
    for assignment in assignments:
        extension, cohort_date = extensions.get(assignment.pk), cohort_dates.get(assignment.pk)
        cut_off = assignment.cut_off_for(extension, cohort_date)
        if assignment.pk in handed_in or (cut_off is not None and now > cut_off):
            continue
        course = next(e.course for e in enrollments if assignment.path.startswith(e.course.path))
        found.append((assignment, assignment.due_for(extension, cohort_date), course))
    return sorted(found, key=lambda pair: pair[1])


def up_next(*, user, now: datetime | None = None, limit: int = 8) -> list[UpNext]:
    """What a student has next, in one list by date: work due (overdue first) and their
    upcoming live classes. (Where to continue each course is the courses panel's.)"""
    now = now or timezone.now()
    timed = [
        UpNext("due", a.title, a.url, due, course.title, overdue=due < now)
        for a, due, course in open_deadlines(user=user, now=now)
    ]
    timed += [
        UpNext("class", class_title_for(live_class=c, viewer=user), c.get_absolute_url(), c.start)
        for c in upcoming_for(user=user, now=now)[:5]
    ]
    return sorted(timed, key=lambda item: item.when)[:limit]
