"""Reads of coursework that need care: the grading queue and who may read a submission's files, each
in a constant number of queries. What an assignment's page reads is on its model."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, Count, F, Q, QuerySet, RowRange, When, Window
from django.db.models.functions import FirstValue, Lag, Lead, RowNumber
from django.utils import timezone

from courses.models import CoursePage, Enrollment, QuizAttempt
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


# What a row of the queue shows (its assignment: from `course_assignments`, see `with_assignments`).
QUEUE_FIELDS = (
    *("assignment_id", "submitted_at", "late_penalty", "score", "graded_at", "released_at", "regrade_requested_at"),
    *("student__display_name", "student__first_name", "student__last_name", "student__email"),
)


def grading_queue(*, course: CoursePage, assignment: AssignmentPage | None = None, show: str = "todo") -> QuerySet:
    """Handed-in submissions of the course's assignments, in the order to grade them: regrade
    requests first, then the oldest hand-in, ordered in SQL so that a page of it is one query.
    `show`: "todo" (ungraded or regrade asked), "graded", or "all"."""
    of_course = AssignmentPage.objects.filter(path__startswith=course.path).values("pk")
    submissions = (
        Submission.objects.filter(submitted_at__isnull=False, assignment__in=of_course)
        .select_related("student")
        .only(*QUEUE_FIELDS)
        .annotate(queue_rank=Case(When(regrade_requested_at__isnull=False, then=0), default=1))
        .order_by("queue_rank", "submitted_at", "id")
    )
    if assignment is not None:
        submissions = submissions.filter(assignment=assignment)
    todo = Q(graded_at__isnull=True) | Q(regrade_requested_at__isnull=False)
    if show == "todo":
        submissions = submissions.filter(todo)
    elif show == "graded":
        submissions = submissions.exclude(todo)
    return submissions


def with_assignments(submissions, assignments: list[AssignmentPage]) -> list[Submission]:
    """`submissions` (a page of the queue) with their assignments set from the course's list,
    read once for the page's filter, rather than joined to every row the queue sorts."""
    by_id = {assignment.pk: assignment for assignment in assignments}
    found = list(submissions)
    missing = {s.assignment_id for s in found} - by_id.keys()  # unpublished since: one query
    if missing:
        by_id |= AssignmentPage.objects.in_bulk(missing)
    for submission in found:
        submission.assignment = by_id[submission.assignment_id]
    return found


@dataclass(frozen=True)
class QueuePlace:
    """Where a submission stands in a grading queue: its neighbours' ids (for J and K), its
    position (None: not in this queue) and the queue's length."""

    previous_id: int | None
    next_id: int | None
    position: int | None
    total: int


def queue_place(*, queue: QuerySet, submission: Submission) -> QueuePlace:
    """`submission`'s place in `queue` (a `grading_queue`) and its neighbours, asked of the DB
    by the queue's order, never by loading the queue: one query (window functions over the
    queue, the submission's row picked after them), two more when it is not in the queue:
    then no previous, and the next is the queue's first."""
    order = [F("queue_rank").asc(), F("submitted_at").asc(), F("id").asc()]
    rows = (
        queue.order_by()
        .values("pk")
        .annotate(
            previous_id=Window(Lag("id"), order_by=order),
            next_id=Window(Lead("id"), order_by=order),
            position=Window(RowNumber(), order_by=order),
            total=Window(Count("id")),
            # The row's own id as a window: filtering on it picks the row after the windows
            # are computed over the whole queue (a filter on `id` would narrow the queue first).
            this_id=Window(FirstValue("id"), order_by=order, frame=RowRange(0, 0)),
        )
        .filter(this_id=submission.pk)
        .values("previous_id", "next_id", "position", "total")[:1]  # not first(): it would sort again
    )
    row = next(iter(rows), None)
    if row is None:
        ids = queue.values_list("pk", flat=True)
        return QueuePlace(None, ids.exclude(pk=submission.pk).first(), None, queue.count())
    return QueuePlace(row["previous_id"], row["next_id"], row["position"], row["total"])


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


# --- Short answers to check by hand -------------------------------------------------------------


def answers_to_check(*, course: CoursePage) -> QuerySet[QuizAttempt]:
    """The course's quiz attempts with a short answer the machine did not accept and no
    teacher has checked yet, oldest first (one indexed query)."""
    return (
        QuizAttempt.objects.filter(course=course, to_check=True)
        .select_related("student", "lesson")
        .order_by("created_at", "id")
    )
