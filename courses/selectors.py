"""Reads of the courses app that need care: access, dashboards and teachers' insights, each in
a constant number of queries. What the catalog, course and lesson pages read is in their
models (courses/models.py); the access checks here are those, for the other apps and views."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from courses.models import (
    Certificate,
    CourseIndexPage,
    CoursePage,
    Enrollment,
    LessonPage,
    LessonProgress,
    QuizAttempt,
)
from lms.formats import when

STEP = CoursePage.steplen  # characters per level in a treebeard path
DASHBOARD_ENROLLMENT_FIELDS = (
    "course_id",
    "status",
    "created_at",
    "completed_at",
    "last_lesson_id",
    "course__title",
    "course__url_path",
    "course__path",
    "course__depth",
    "course__live",
)


# --- Access ---------------------------------------------------------------------------------


def active_enrollment(*, user, course) -> Enrollment | None:
    return Enrollment.objects.active_for(user=user, course=course)


def is_course_teacher(*, user, course: CoursePage) -> bool:
    return course.taught_by(user)


def may_teach(*, user, course: CoursePage) -> bool:
    """May `user` act as the course's teacher (grade, moderate, run its cohorts)? Its teachers and staff."""
    return getattr(user, "is_authenticated", False) and (user.is_platform_staff or course.taught_by(user))


def course_access(*, user, course: CoursePage) -> bool:
    """May `user` see every lesson of `course`? (active enrollment, one of its teachers, or staff)"""
    return course.open_to(user)


def course_for_lesson(lesson: LessonPage) -> CoursePage | None:
    return lesson.course


def lesson_access(*, user, lesson: LessonPage, course: CoursePage) -> bool:
    return lesson.free_preview or course.open_to(user)


def published_lesson(lesson_id: int) -> tuple[LessonPage, CoursePage]:
    """A published lesson of a published course, with its course, or 404."""
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    course = lesson.course
    if course is None or not course.live:
        raise Http404("This lesson is not part of a published course.")
    return lesson, course


# --- Course structure -----------------------------------------------------------------------


def completed_lesson_ids(*, user, course: CoursePage) -> set[int]:
    return LessonProgress.objects.completed_ids(user=user, course=course)


def course_lesson_ids(*, course: CoursePage) -> list[int]:
    return list(
        LessonPage.objects.descendant_of(course).live().type(LessonPage).order_by("path").values_list("id", flat=True)
    )


def catalog_index() -> CourseIndexPage | None:
    return CourseIndexPage.objects.live().first()


# --- Dashboards -----------------------------------------------------------------------------


@dataclass
class EnrollmentProgress:
    enrollment: Enrollment
    total: int
    done: int
    continue_url: str

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def student_progress(*, user) -> list[EnrollmentProgress]:
    """The student's active enrollments with progress and where to continue: two queries, and
    each course's shared outline (courses/models.py)."""
    enrollments = list(
        Enrollment.objects.filter(student=user, status=Enrollment.Status.ACTIVE)
        .select_related("course")
        # What the panel shows of a course (its title and address) and what its outline is
        # built from: the course page's other columns cost more to read than the rest.
        .only(*DASHBOARD_ENROLLMENT_FIELDS)
        .order_by("-created_at")
    )
    done = defaultdict(set)
    rows = LessonProgress.objects.filter(student=user, course__in=[e.course_id for e in enrollments])
    for course_id, lesson_id in rows.values_list("course_id", "lesson_id"):
        done[course_id].add(lesson_id)
    result = []
    for enrollment in enrollments:
        lessons = enrollment.course.lessons()
        completed = done[enrollment.course_id] & {lesson.pk for lesson in lessons}
        target = enrollment.continue_lesson(lessons, completed)
        result.append(
            EnrollmentProgress(
                enrollment=enrollment,
                total=len(lessons),
                done=len(completed),
                continue_url=target.url if target else enrollment.course.url,
            )
        )
    return result


def student_certificates(*, user) -> list[Certificate]:
    return list(Certificate.objects.filter(student=user, revoked_at__isnull=True).order_by("-issued_at"))


def teacher_courses(*, user) -> list[CoursePage]:
    """Courses a teacher owns or teaches (drafts too), with their active student counts."""
    return list(
        CoursePage.objects.filter(Q(owner=user) | Q(teachers=user))
        .distinct()
        .defer_streamfields()
        .annotate(
            n_students=Count("enrollments", filter=Q(enrollments__status=Enrollment.Status.ACTIVE), distinct=True)
        )
        .order_by("title")
    )


# --- Teacher insights -----------------------------------------------------------------------


@dataclass
class StudentRow:
    enrollment: Enrollment
    done: int
    total: int
    quiz_passes: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def course_students(*, course: CoursePage) -> list[StudentRow]:
    """Every enrollment of the course (active first) with progress: four queries."""
    lesson_ids = course_lesson_ids(course=course)
    done = dict(
        LessonProgress.objects.filter(course=course, lesson_id__in=lesson_ids)
        .values("student_id")
        .annotate(n=Count("id"))
        .values_list("student_id", "n")
    )
    passes = dict(
        QuizAttempt.objects.filter(course=course, passed=True)
        .values("student_id")
        .annotate(n=Count("lesson_id", distinct=True))
        .values_list("student_id", "n")
    )
    enrollments = Enrollment.objects.filter(course=course).select_related("student").order_by("status", "-created_at")
    return [
        StudentRow(
            enrollment=e,
            done=done.get(e.student_id, 0),
            total=len(lesson_ids),
            quiz_passes=passes.get(e.student_id, 0),
        )
        for e in enrollments
    ]


def course_stats(*, course: CoursePage, weeks: int = 12) -> dict:
    """Completion rate, quiz pass rate and weekly enrollments for the teacher's charts."""
    enrollments = Enrollment.objects.filter(course=course)
    total = enrollments.count()
    completed = enrollments.filter(completed_at__isnull=False).count()
    attempts = QuizAttempt.objects.filter(course=course)
    n_attempts = attempts.count()
    n_passed = attempts.filter(passed=True).count()
    takers = attempts.values("student_id").distinct().count()
    passers = attempts.filter(passed=True).values("student_id", "lesson_id").distinct().count()
    today = timezone.localdate()
    start = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    weekly = defaultdict(int)
    for created in enrollments.filter(created_at__date__gte=start).values_list("created_at", flat=True):
        day = timezone.localtime(created).date()
        weekly[day - timedelta(days=day.weekday())] += 1
    series = [(start + timedelta(weeks=i), weekly[start + timedelta(weeks=i)]) for i in range(weeks)]
    return {
        "enrollments": total,
        "active": enrollments.filter(status=Enrollment.Status.ACTIVE).count(),
        "completed": completed,
        "completion_rate": round(100 * completed / total) if total else 0,
        "attempts": n_attempts,
        "attempt_pass_rate": round(100 * n_passed / n_attempts) if n_attempts else 0,
        "quiz_takers": takers,
        "quiz_passes": passers,
        "weekly": series,
        "chart": _bar_chart(series),
    }


def _bar_chart(series: list[tuple[date, int]], width: int = 600, height: int = 160) -> dict:
    """Geometry for an inline SVG bar chart (no JavaScript, no library)."""
    peak = max((n for _, n in series), default=0) or 1
    slot = width / max(len(series), 1)
    bars = []
    for i, (week, n) in enumerate(series):
        h = round((height - 24) * n / peak)
        bars.append(
            {
                "x": round(i * slot + slot * 0.15, 1),
                "y": height - 18 - h,
                "w": round(slot * 0.7, 1),
                "h": h,
                "n": n,
                "label": when(week, "short_date"),
                "label_x": round(i * slot + slot / 2, 1),
            }
        )
    return {"width": width, "height": height, "bars": bars, "peak": peak}
