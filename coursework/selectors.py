"""Reads of coursework that need care: the grading queue and who may read a submission's files, each
in a constant number of queries. What an assignment's page reads is on its model."""

from django.db.models import Q

from courses.models import CoursePage
from coursework.models import AssignmentPage, Submission


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
