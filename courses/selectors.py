"""Reads of the courses app that need care: permissions, progress and constant-query lists."""

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.cache import cache
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.models import Page

from courses.models import (
    Category,
    Certificate,
    CourseIndexPage,
    CoursePage,
    Enrollment,
    LessonPage,
    LessonProgress,
    ModulePage,
    QuizAttempt,
)
from lms import pagecache
from lms.models import User

STEP = CoursePage.steplen  # characters per level in a treebeard path


# --- Access ---------------------------------------------------------------------------------


def active_enrollment(*, user, course) -> Enrollment | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Enrollment.objects.filter(student=user, course=course, status=Enrollment.Status.ACTIVE).first()


def is_course_teacher(*, user, course: CoursePage) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_teacher:
        return False
    if course.owner_id == user.pk:
        return True
    return course.teachers.filter(pk=user.pk).exists()


def course_access(*, user, course: CoursePage) -> bool:
    """May `user` see every lesson of `course`? (active enrollment, one of its teachers, or staff)"""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_platform_staff or is_course_teacher(user=user, course=course):
        return True
    return active_enrollment(user=user, course=course) is not None


def course_for_lesson(lesson: LessonPage) -> CoursePage | None:
    """The lesson's course in one query (a course is two levels above its lessons)."""
    return CoursePage.objects.filter(path=lesson.path[: -2 * STEP]).first()


def lesson_access(*, user, lesson: LessonPage, course: CoursePage) -> bool:
    return lesson.free_preview or course_access(user=user, course=course)


# --- Course structure -----------------------------------------------------------------------


@dataclass
class Module:
    page: ModulePage
    lessons: list = field(default_factory=list)


def course_outline(*, course: CoursePage) -> list[Module]:
    """Live modules with their live lessons, in the editor's order: cached per page-cache
    generation (any publish starts a new one), else two queries."""
    from courses import cache as page_cache

    key = f"courses:outline:{pagecache.generation()}:{course.pk}"
    outline = cache.get(key)
    if outline is None:
        outline = _course_outline(course=course)
        cache.set(key, outline, page_cache.TIMEOUT)
    return outline


def _course_outline(*, course: CoursePage) -> list[Module]:
    modules = {
        m.path: Module(page=m)
        for m in ModulePage.objects.child_of(course).live().order_by("path").only(*_PAGE_OUTLINE_FIELDS, "intro")
    }
    lessons = (
        LessonPage.objects.descendant_of(course)
        .live()
        .type(LessonPage)
        .defer_streamfields()
        .order_by("path")
        .only(*_LESSON_OUTLINE_FIELDS)
    )
    for lesson in lessons:
        module = modules.get(lesson.path[:-STEP])
        if module is not None:
            module.lessons.append(lesson)
    return list(modules.values())


_PAGE_OUTLINE_FIELDS = ("id", "title", "slug", "path", "depth", "url_path", "live", "content_type_id", "locale_id")
_LESSON_OUTLINE_FIELDS = (*_PAGE_OUTLINE_FIELDS, "duration_minutes", "free_preview")


def flat_lessons(outline: list[Module]) -> list[LessonPage]:
    return [lesson for module in outline for lesson in module.lessons]


def completed_lesson_ids(*, user, course: CoursePage) -> set[int]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(LessonProgress.objects.filter(student=user, course=course).values_list("lesson_id", flat=True))


def student_course_state(*, user, course: CoursePage) -> tuple[Enrollment | None, set[int]]:
    """The user's active enrollment in the course and their completed lesson ids, cached per
    user (courses/cache.py: any change to their enrollments or progress starts afresh)."""

    if not getattr(user, "is_authenticated", False):
        return None, set()

    def build():
        enrollment = active_enrollment(user=user, course=course)
        return enrollment, completed_lesson_ids(user=user, course=course) if enrollment else set()

    return pagecache.user_data(user.pk, f"course-state:{course.pk}", build)


def course_lesson_ids(*, course: CoursePage) -> list[int]:
    return list(
        LessonPage.objects.descendant_of(course).live().type(LessonPage).order_by("path").values_list("id", flat=True)
    )


def next_lesson_for(*, outline_lessons: list[LessonPage], completed: set[int], last_lesson_id: int | None):
    """Where to continue: the first lesson not done after the last one opened, else the first not done."""
    if not outline_lessons:
        return None
    ids = [lesson.pk for lesson in outline_lessons]
    start = ids.index(last_lesson_id) if last_lesson_id in ids else 0
    for lesson in outline_lessons[start:] + outline_lessons[:start]:
        if lesson.pk not in completed:
            return lesson
    return outline_lessons[start]


def quiz_attempts_for(*, user, lesson: LessonPage) -> list[QuizAttempt]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(QuizAttempt.objects.filter(student=user, lesson=lesson))


def quiz_passed(*, user, lesson: LessonPage) -> bool:
    return QuizAttempt.objects.filter(student=user, lesson=lesson, passed=True).exists()


# --- Catalog --------------------------------------------------------------------------------

SORTS = {"newest": "Newest", "popular": "Most popular", "title": "Title A–Z"}
PRICES = {"free": "Free", "paid": "Paid"}
PAGE_SIZE = 12
CARD_RENDITION = "fill-640x360"


def catalog_index() -> CourseIndexPage | None:
    return CourseIndexPage.objects.live().first()


def categories() -> list[Category]:
    return list(Category.objects.select_related("parent").order_by("parent__name", "name"))


def _category_ids(slug: str) -> list[int]:
    """The category and every category nested inside it."""
    rows = list(Category.objects.values_list("id", "slug", "parent_id"))
    root = next((pk for pk, s, _ in rows if s == slug), None)
    if root is None:
        return []
    found, frontier = {root}, {root}
    while frontier:
        frontier = {pk for pk, _, parent in rows if parent in frontier and pk not in found}
        found |= frontier
    return list(found)


def _search_course_ids(q: str) -> set[int]:
    """Courses whose title/summary/description or any lesson text matches (whole words or prefixes)."""
    courses = CoursePage.objects.live().defer_streamfields()
    ids = {page.pk for page in courses.search(q)[:500]}
    ids |= {page.pk for page in courses.autocomplete(q)[:500]}
    # Lesson text: the generic pages carry the path, which names the course two levels up.
    course_paths = {page.path[: -2 * STEP] for page in Page.objects.live().type(LessonPage).search(q)[:500]}
    if course_paths:
        ids |= set(CoursePage.objects.filter(path__in=course_paths).values_list("id", flat=True))
    return ids


def _vocabulary() -> list[str]:
    words = cache.get("courses:vocabulary")
    if words is None:
        titles = CoursePage.objects.live().values_list("title", "summary")
        words = sorted({w for pair in titles for w in re.findall(r"[a-z]{4,}", " ".join(pair).lower())})
        cache.set("courses:vocabulary", words, 300)
    return words


def spelling_suggestion(q: str) -> str:
    """A corrected query for a misspelled one ("pyhton" → "python"), or ""."""
    words = re.findall(r"\w+", q.lower())
    vocabulary = _vocabulary()
    corrected = []
    for word in words:
        match = difflib.get_close_matches(word, vocabulary, n=1, cutoff=0.75) if len(word) >= 4 else []
        corrected.append(match[0] if match else word)
    suggestion = " ".join(corrected)
    return suggestion if suggestion != " ".join(words) else ""


@dataclass
class CatalogResult:
    courses: QuerySet
    query: str
    suggestion: str = ""
    used_suggestion: bool = False


def catalog_courses(*, q: str = "", category: str = "", level: str = "", price: str = "", sort: str = "newest"):
    """The published courses matching the catalog's filters, ready to paginate."""
    courses = (
        CoursePage.objects.live()
        .defer_streamfields()
        .select_related("category", "owner")
        .prefetch_related(
            Prefetch("teachers", queryset=User.objects.only("id", "display_name", "email")),
            # The card's rendition comes with the image: no query per {% image %}.
            Prefetch("cover_image", queryset=get_image_model().objects.prefetch_renditions(CARD_RENDITION)),
        )
    )
    if category:
        courses = courses.filter(category_id__in=_category_ids(category))
    if level:
        courses = courses.filter(level=level)
    if price == "free":
        courses = courses.filter(price__lte=0)
    elif price == "paid":
        courses = courses.filter(price__gt=0)
    result = CatalogResult(courses=courses, query=q)
    q = q.strip()[:100]
    if q:
        ids = _search_course_ids(q)
        if not ids:
            suggestion = spelling_suggestion(q)
            if suggestion:
                result.suggestion = suggestion
                ids = _search_course_ids(suggestion)
                result.used_suggestion = bool(ids)
        courses = courses.filter(pk__in=ids)
    if sort == "popular":
        active = Enrollment.objects.filter(status=Enrollment.Status.ACTIVE)
        courses = courses.annotate(
            n_students=Count("enrollments", filter=Q(enrollments__in=active), distinct=True)
        ).order_by("-n_students", "-first_published_at", "pk")
    elif sort == "title":
        courses = courses.order_by("title", "pk")
    else:
        courses = courses.order_by("-first_published_at", "-pk")
    result.courses = courses
    return result


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


def _lessons_by_course(courses: list[CoursePage]) -> dict[int, list[tuple[int, str]]]:
    """For each course: its live lessons as (id, url path) in order — one query for all courses."""
    if not courses:
        return {}
    condition = Q()
    for course in courses:
        condition |= Q(path__startswith=course.path, depth=course.depth + 2)
    by_path = {course.path: course.pk for course in courses}
    result = defaultdict(list)
    rows = LessonPage.objects.live().filter(condition).order_by("path").values_list("id", "path", "url_path")
    for pk, path, url_path in rows:
        course_id = by_path.get(path[: -2 * STEP])
        if course_id:
            result[course_id].append((pk, url_path))
    return result


def _page_url(url_path: str, root_url_path: str) -> str:
    return "/" + url_path[len(root_url_path) :] if url_path.startswith(root_url_path) else url_path


def student_progress(*, user, site_root_path: str = "/home/") -> list[EnrollmentProgress]:
    """The student's active enrollments with progress and where to continue: four queries."""
    enrollments = list(
        Enrollment.objects.filter(student=user, status=Enrollment.Status.ACTIVE)
        .select_related("course")
        .defer("course__description")
        .order_by("-created_at")
    )
    courses = [e.course for e in enrollments]
    lessons = _lessons_by_course(courses)
    done_rows = LessonProgress.objects.filter(student=user, course__in=courses).values_list("course_id", "lesson_id")
    done = defaultdict(set)
    for course_id, lesson_id in done_rows:
        done[course_id].add(lesson_id)
    result = []
    for enrollment in enrollments:
        course_lessons = lessons.get(enrollment.course_id, [])
        live_ids = {pk for pk, _ in course_lessons}
        completed = done[enrollment.course_id] & live_ids
        ids = [pk for pk, _ in course_lessons]
        start = ids.index(enrollment.last_lesson_id) if enrollment.last_lesson_id in ids else 0
        ordered = course_lessons[start:] + course_lessons[:start]
        target = next((lp for lp in ordered if lp[0] not in completed), ordered[0] if ordered else None)
        continue_url = (
            _page_url(target[1], site_root_path) if target else _page_url(enrollment.course.url_path, site_root_path)
        )
        result.append(
            EnrollmentProgress(
                enrollment=enrollment, total=len(course_lessons), done=len(completed), continue_url=continue_url
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
                "label": week.strftime("%d %b"),
                "label_x": round(i * slot + slot / 2, 1),
            }
        )
    return {"width": width, "height": height, "bars": bars, "peak": peak}
