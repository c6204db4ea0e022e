"""Views of the courses app. The catalog, course and lesson pages are Wagtail pages whose
`serve()` calls the functions here; the rest are routed in courses/urls.py."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST
from wagtail import hooks
from wagtail.models import Site
from wagtail.views import serve as wagtail_serve

from courses import cache as page_cache
from courses import selectors, services
from courses.certificates import certificate_pdf
from courses.models import Certificate, CourseIndexPage, CoursePage, LessonPage, Level, ModulePage
from lms import pagecache
from lms.decorators import role_required
from lms.models import Role, User

# --- Cache front ------------------------------------------------------------------------------


def cached_page(request, course_slug: str = "", module_slug: str = "", lesson_slug: str = ""):
    """The catalog, course and lesson URLs, answered before Wagtail walks the page tree.

    Anonymous visitors get /courses/ and /courses/<course>/ straight from the page cache
    (no query on a hit). Otherwise the page is found by its URL path in one query — its
    type follows from its depth — instead of one query per path segment, and served
    through Wagtail's own hooks (view restrictions etc.) as `wagtail.views.serve` would.
    """
    if not module_slug:
        cached = page_cache.get(request, "page")
        if cached is not None:
            patch_vary_headers(cached, ["HX-Request"])
            return cached
    elif lesson_slug and request.user.is_authenticated:
        # A lesson shows the learner's own ticks, progress and quiz attempts: the whole page
        # is cached for them alone until their data or the site changes (lms/pagecache.py).
        # Opening a lesson records it as the last one visited, which bumps their version, so
        # a cache hit means that was already done.
        return pagecache.personal_page(
            request, "lesson", lambda: _serve_page(request, course_slug, module_slug, lesson_slug)
        )
    return _serve_page(request, course_slug, module_slug, lesson_slug)


def _serve_page(request, course_slug: str, module_slug: str, lesson_slug: str):
    slugs = [slug for slug in (course_slug, module_slug, lesson_slug) if slug]
    path = "/".join(["courses", *slugs]) + "/"
    page = _page_for_path(request, path, model=[CourseIndexPage, CoursePage, ModulePage, LessonPage][len(slugs)])
    if page is None:
        return wagtail_serve(request, path)
    for fn in hooks.get_hooks("before_serve_page"):
        result = fn(page, request, (), {})
        if isinstance(result, HttpResponse):
            return result
    chain = _serve_chain
    for fn in reversed(hooks.get_hooks("on_serve_page")):
        chain = fn(chain)
    return chain(page, request, (), {})


def _serve_chain(page, request, args, kwargs):
    return page.serve(request, *args, **kwargs)


def _page_for_path(request, path: str, *, model):
    site = page_cache.site_for_request(request)
    if site is None:
        return None
    root_path = next((root.root_path for root in Site.get_site_root_paths() if root.site_id == site.pk), None)
    if root_path is None:
        return None
    url_path = root_path + path
    return page_cache.shared(
        f"page:{model.__name__}:{url_path}", lambda: model.objects.filter(url_path=url_path, live=True).first()
    )


# --- Catalog ----------------------------------------------------------------------------------


def catalog(request, *, index_page):
    cached = page_cache.get(request, "page")
    if cached is not None:
        patch_vary_headers(cached, ["HX-Request"])
        return cached
    filters = {
        "q": request.GET.get("q", "").strip()[:100],
        "category": request.GET.get("category", "")[:80],
        "level": request.GET.get("level", "") if request.GET.get("level") in Level.values else "",
        "price": request.GET.get("price", "") if request.GET.get("price") in selectors.PRICES else "",
        "sort": request.GET.get("sort", "") if request.GET.get("sort") in selectors.SORTS else "newest",
    }
    result = selectors.catalog_courses(**filters)
    page = Paginator(result.courses, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": index_page,
        "self": index_page,
        "courses": page,
        "filters": filters,
        "result": result,
        "querystring": query.urlencode(),
        "categories": selectors.categories(),
        "levels": Level.choices,
        "prices": selectors.PRICES,
        "sorts": selectors.SORTS,
    }
    template = "courses/course_index_page.html"
    if request.htmx and request.htmx.target == "course-results":
        template += "#results"
    response = TemplateResponse(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    page_cache.put(request, "page", response)
    return response


# --- Course page ------------------------------------------------------------------------------


def course_detail(request, *, course: CoursePage):
    cached = page_cache.get(request, "page")
    if cached is not None:
        return cached
    user = request.user
    outline = selectors.course_outline(course=course)
    lessons = selectors.flat_lessons(outline)
    enrollment = selectors.active_enrollment(user=user, course=course)
    prefetch_related_objects(
        [course],
        Prefetch("teachers", queryset=User.objects.select_related("teacher_profile")),
        "owner__teacher_profile",
    )
    teachers = course.teacher_users()
    is_teacher = user.is_authenticated and user.is_teacher and any(t.pk == user.pk for t in teachers)
    has_access = enrollment is not None or is_teacher or (user.is_authenticated and user.is_platform_staff)
    completed = selectors.completed_lesson_ids(user=user, course=course) if enrollment else set()
    continue_lesson = (
        selectors.next_lesson_for(
            outline_lessons=lessons, completed=completed, last_lesson_id=enrollment.last_lesson_id
        )
        if enrollment
        else None
    )
    certificate = (
        Certificate.objects.filter(student=user, course=course, revoked_at__isnull=True).first()
        if enrollment and enrollment.completed_at
        else None
    )
    context = {
        "page": course,
        "self": course,
        "course": course,
        "outline": outline,
        "lesson_count": len(lessons),
        "minutes": sum(lesson.duration_minutes for lesson in lessons),
        "teachers": teachers,
        # .all(), not .live(): in a preview this is modelcluster's in-memory relation.
        "prerequisites": [p for p in course.prerequisites.all() if p.live],
        "enrollment": enrollment,
        "has_access": has_access,
        "is_teacher": is_teacher,
        "completed": completed,
        "done_count": len(completed & {lesson.pk for lesson in lessons}),
        "continue_lesson": continue_lesson,
        "certificate": certificate,
    }
    response = TemplateResponse(request, "courses/course_page.html", context)
    page_cache.put(request, "page", response)
    return response


@require_POST
def enroll(request, course_id: int):
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    if not request.user.is_authenticated:
        return redirect_to_login(course.url)
    try:
        services.course_enroll(student=request.user, course=course)
    except services.CourseError as exc:
        messages.error(request, str(exc))
        return redirect(course.url)
    messages.success(request, f"You are enrolled in {course.title}. Enjoy the course!")
    first = selectors.flat_lessons(selectors.course_outline(course=course))
    return redirect(first[0].url if first else course.url)


# --- Lessons ----------------------------------------------------------------------------------


def _lesson_context(request, lesson: LessonPage, course: CoursePage) -> dict:
    user = request.user
    outline = selectors.course_outline(course=course)
    lessons = selectors.flat_lessons(outline)
    enrollment, completed = selectors.student_course_state(user=user, course=course)
    has_access = enrollment is not None or selectors.course_access(user=user, course=course)
    index = next((i for i, item in enumerate(lessons) if item.pk == lesson.pk), None)
    previous_lesson = lessons[index - 1] if index else None
    next_lesson = lessons[index + 1] if index is not None and index + 1 < len(lessons) else None
    blocked_by = None
    if enrollment and course.enforce_order and not lesson.free_preview:
        for earlier in lessons[: index or 0]:
            if earlier.pk not in completed:
                blocked_by = earlier
                break
    return {
        "page": lesson,
        "self": lesson,
        "lesson": lesson,
        "course": course,
        "outline": outline,
        "enrollment": enrollment,
        "has_access": has_access,
        "can_view": (has_access or lesson.free_preview) and blocked_by is None,
        "blocked_by": blocked_by,
        "completed": completed,
        "is_done": lesson.pk in completed,
        "done_count": len(completed & {item.pk for item in lessons}),
        "lesson_count": len(lessons),
        "previous_lesson": previous_lesson,
        "next_lesson": next_lesson,
    }


def _quiz_context(request, lesson: LessonPage, enrollment) -> dict:
    quiz = lesson.quiz
    if quiz is None:
        return {}
    attempts = selectors.quiz_attempts_for(user=request.user, lesson=lesson) if enrollment else []
    limit = quiz.value["max_attempts"]
    passed = any(a.passed for a in attempts)
    return {
        "quiz_attempts": attempts,
        "quiz_last": attempts[0] if attempts else None,
        "quiz_passed": passed,
        "quiz_remaining": (limit - len(attempts)) if limit else None,
        "quiz_open": bool(enrollment) and not passed and (not limit or len(attempts) < limit),
    }


def lesson_detail(request, *, lesson: LessonPage):
    if getattr(request, "is_preview", False):
        course = selectors.course_for_lesson(lesson)
    else:
        course = page_cache.shared(f"course-of:{lesson.path}", lambda: selectors.course_for_lesson(lesson))
    # The teaching studio previews lessons of a course that is not published yet.
    if course is None or not (course.live or getattr(request, "is_preview", False)):
        raise Http404("This lesson is not part of a published course.")
    context = _lesson_context(request, lesson, course)
    if not context["can_view"]:
        return TemplateResponse(request, "courses/lesson_locked.html", context, status=403)
    if context["enrollment"] is not None:
        services.lesson_visit(student=request.user, lesson=lesson, enrollment=context["enrollment"])
    context.update(_quiz_context(request, lesson, context["enrollment"]))
    if not getattr(request, "is_preview", False):
        context.update(_cached_fragments(request, lesson, course, context))
    return TemplateResponse(request, "courses/lesson_page.html", context)


def _cached_fragments(request, lesson: LessonPage, course: CoursePage, context: dict) -> dict:
    """The lesson body (shared; not with a quiz, which shows the viewer's attempts) and the
    outline with the viewer's ticks (theirs alone, until their progress changes)."""
    fragments = {}
    if lesson.quiz is None:
        fragments["body_html"] = page_cache.shared(
            f"lesson-body:{lesson.pk}:{lesson.live_revision_id}",
            lambda: render_to_string("courses/_lesson_body.html", {"lesson": lesson}),
        )
    if request.user.is_authenticated:
        outline_context = {key: context[key] for key in ("outline", "completed", "has_access")}
        fragments["outline_html"] = pagecache.user_data(
            request.user.pk,
            f"outline:{course.pk}:{lesson.pk}:{context['has_access']}",
            lambda: render_to_string("courses/_outline.html", {**outline_context, "current": lesson}),
        )
    return fragments


def _lesson_for_post(request, lesson_id: int) -> tuple[LessonPage, CoursePage]:
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    course = selectors.course_for_lesson(lesson)
    if course is None or not course.live:
        raise Http404("This lesson is not part of a published course.")
    return lesson, course


@login_required
@require_POST
def lesson_complete(request, lesson_id: int):
    lesson, course = _lesson_for_post(request, lesson_id)
    error = None
    try:
        services.lesson_complete(student=request.user, lesson=lesson, course=course)
    except services.CourseError as exc:
        error = str(exc)
    if request.htmx:
        context = _lesson_context(request, lesson, course)
        context.update(_quiz_context(request, lesson, context["enrollment"]))
        context["complete_error"] = error
        return TemplateResponse(request, "courses/lesson_page.html#lesson-status", context)
    if error:
        messages.error(request, error)
        return redirect(lesson.url)
    messages.success(request, f"“{lesson.title}” is done.")
    nxt = _lesson_context(request, lesson, course)["next_lesson"]
    return redirect(nxt.url if nxt else course.url)


@login_required
@require_POST
def quiz_submit(request, lesson_id: int):
    lesson, course = _lesson_for_post(request, lesson_id)
    quiz = lesson.quiz
    if quiz is None:
        raise Http404("This lesson has no quiz.")
    answers = {str(i): request.POST.getlist(f"q-{i}")[:20] for i in range(len(quiz.value["questions"]))}
    error = None
    try:
        services.quiz_submit(student=request.user, lesson=lesson, answers=answers)
    except services.CourseError as exc:
        error = str(exc)
    if request.htmx:
        context = _lesson_context(request, lesson, course)
        context.update(_quiz_context(request, lesson, context["enrollment"]))
        context.update({"quiz_error": error, "block": quiz, "value": quiz.value, "submitted": answers})
        # htmx swaps 2xx responses only: an error re-renders the quiz with its message too.
        return TemplateResponse(request, "courses/_quiz_response.html", context)
    if error:
        messages.error(request, error)
    return redirect(f"{lesson.url}#quiz")


# --- Certificates -----------------------------------------------------------------------------


@require_GET
def certificate_verify(request, code: str):
    certificate = Certificate.objects.select_related("course").filter(code=code.upper()).first()
    status = 200 if certificate else 404
    return TemplateResponse(
        request, "courses/certificate_verify.html", {"certificate": certificate, "code": code}, status=status
    )


@login_required
@require_GET
def certificate_download(request, code: str):
    certificate = get_object_or_404(Certificate.objects.select_related("course"), code=code.upper())
    if certificate.student_id != request.user.pk and not request.user.is_platform_staff:
        raise PermissionDenied("This certificate belongs to someone else.")
    if not certificate.is_valid:
        raise Http404("This certificate was revoked.")
    verify_url = request.build_absolute_uri(certificate.get_absolute_url())
    response = HttpResponse(certificate_pdf(certificate, verify_url=verify_url), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="lyceum-certificate-{certificate.code}.pdf"'
    return response


# --- Teachers ---------------------------------------------------------------------------------


def _taught_course(request, course_id: int) -> CoursePage:
    course = get_object_or_404(CoursePage, pk=course_id)
    if not (request.user.is_platform_staff or selectors.is_course_teacher(user=request.user, course=course)):
        raise PermissionDenied("You do not teach this course.")
    return course


@role_required(Role.TEACHER, Role.STAFF)
def course_insights(request, course_id: int):
    course = _taught_course(request, course_id)
    return TemplateResponse(
        request,
        "courses/course_insights.html",
        {
            "course": course,
            "students": selectors.course_students(course=course),
            "stats": selectors.course_stats(course=course),
        },
    )


@role_required(Role.TEACHER, Role.STAFF)
def course_students_csv(request, course_id: int):
    course = _taught_course(request, course_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slugify(course.title) or "course"}-students.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "name",
            "email",
            "status",
            "source",
            "enrolled_at",
            "lessons_done",
            "lessons_total",
            "percent",
            "quizzes_passed",
            "completed_at",
        ]
    )
    for row in selectors.course_students(course=course):
        e = row.enrollment
        writer.writerow(
            [
                _csv_safe(e.student.name),
                e.student.email,
                e.status,
                e.source,
                e.created_at.isoformat(),
                row.done,
                row.total,
                row.percent,
                row.quiz_passes,
                e.completed_at.isoformat() if e.completed_at else "",
            ]
        )
    return response


def _csv_safe(value: str) -> str:
    # A cell starting with = + - @ is run as a formula by spreadsheets.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
