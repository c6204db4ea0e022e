"""Views of the courses app besides its pages (the catalog, course and lesson pages are
Wagtail pages that serve themselves, courses/models.py): enrolling, marking lessons done,
quizzes, certificates and teachers' insights."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from courses import selectors, services
from courses.certificates import certificate_pdf
from courses.forms import CohortForm, CohortMoveForm, CohortTeachersForm
from courses.models import Certificate, CoursePage, Enrollment
from lms.decorators import role_required
from lms.infra.files import csv_safe
from lms.models import Role

# --- Enrolling ------------------------------------------------------------------------------


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
    messages.success(request, _("You are enrolled in %(title)s. Enjoy the course!") % {"title": course.title})
    first = course.lessons()
    return redirect(first[0].url if first else course.url)


# --- Lessons ----------------------------------------------------------------------------------


@login_required
@require_POST
def lesson_complete(request, lesson_id: int):
    lesson, course = selectors.published_lesson(lesson_id)
    error = None
    try:
        services.lesson_complete(student=request.user, lesson=lesson, course=course)
    except services.CourseError as exc:
        error = str(exc)
    if request.htmx:
        context = lesson.get_context(request, course=course)
        context["complete_error"] = error
        return TemplateResponse(request, "courses/lesson_page.html#lesson-status", context)
    if error:
        messages.error(request, error)
        return redirect(lesson.url)
    messages.success(request, _("“%(title)s” is done.") % {"title": lesson.title})
    nxt = lesson.get_context(request, course=course)["next_lesson"]
    return redirect(nxt.url if nxt else course.url)


@login_required
@require_POST
def quiz_submit(request, lesson_id: int):
    lesson, course = selectors.published_lesson(lesson_id)
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
        context = lesson.get_context(request, course=course)
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
        raise PermissionDenied(_("This certificate belongs to someone else."))
    if not certificate.is_valid:
        raise Http404("This certificate was revoked.")
    verify_url = request.build_absolute_uri(certificate.get_absolute_url())
    response = HttpResponse(certificate_pdf(certificate, verify_url=verify_url), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="lyceum-certificate-{certificate.code}.pdf"'
    return response


# --- Teachers ---------------------------------------------------------------------------------


def _taught_course(request, course_id: int) -> CoursePage:
    course = get_object_or_404(CoursePage, pk=course_id)
    if not selectors.may_teach(user=request.user, course=course):
        raise PermissionDenied(_("You do not teach this course."))
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
                csv_safe(e.student.name),
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


@role_required(Role.TEACHER, Role.STAFF)
def cohorts(request, course_id: int):
    """The course's cohorts: add one, move a student to another (GET shows both forms)."""
    course = _taught_course(request, course_id)
    enrollments = list(
        Enrollment.objects.filter(course=course, status=Enrollment.Status.ACTIVE)
        .select_related("student", "cohort")
        .order_by("student__display_name", "student__email")
    )
    course_cohorts = list(course.cohorts.prefetch_related("teachers"))
    course_teachers = course.teacher_users()
    zone = request.user.time_zone or "UTC"
    create_form = CohortForm(initial={"time_zone": zone})
    move_form = CohortMoveForm(enrollments=enrollments, cohorts=course_cohorts)
    teachers_form = CohortTeachersForm(cohorts=course_cohorts, teachers=course_teachers)
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "teachers":
                teachers_form = CohortTeachersForm(request.POST, cohorts=course_cohorts, teachers=course_teachers)
                if not teachers_form.is_valid():
                    raise services.CourseError(_("Choose a cohort and its teachers."))
                cohort = next(c for c in course_cohorts if c.pk == teachers_form.cleaned_data["cohort"])
                chosen = [t for t in course_teachers if t.pk in teachers_form.cleaned_data["teachers"]]
                services.cohort_teachers_set(actor=request.user, cohort=cohort, teachers=chosen)
                messages.success(request, _("The teachers of %(name)s are saved.") % {"name": cohort.name})
            elif request.POST.get("action") == "move":
                move_form = CohortMoveForm(request.POST, enrollments=enrollments, cohorts=course_cohorts)
                if not move_form.is_valid():
                    raise services.CourseError(_("Choose a student and a cohort."))
                enrollment = next(e for e in enrollments if e.pk == move_form.cleaned_data["enrollment"])
                cohort = next((c for c in course_cohorts if c.pk == move_form.cleaned_data["cohort"]), None)
                services.cohort_assign(actor=request.user, enrollment=enrollment, cohort=cohort)
                messages.success(request, _("%(name)s moved.") % {"name": enrollment.student.name})
            else:
                create_form = CohortForm(request.POST)
                if not create_form.is_valid():
                    raise services.CourseError(_("Please correct the errors below."))
                data = create_form.cleaned_data
                services.cohort_create(
                    actor=request.user,
                    course=course,
                    name=data["name"],
                    starts_at=data["starts_at"],
                    time_zone=data["time_zone"],
                )
                messages.success(request, _("Cohort added."))
            return redirect("courses:cohorts", course_id=course.pk)
        except services.CourseError as exc:
            error, status = str(exc), 400
    else:
        error = None
    return TemplateResponse(
        request,
        "courses/cohorts.html",
        {
            "course": course,
            "cohorts": course_cohorts,
            "enrollments": enrollments,
            "create_form": create_form,
            "move_form": move_form,
            "teachers_form": teachers_form,
            "error": error,
        },
        status=status,
    )
