"""Review pages: the form (write or edit), the lists (teacher, course; "show more" pages),
the teacher's reply and a report. Thin: the rules are in reviews.services and selectors."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from courses.models import CoursePage
from lms.models import Role, User
from reviews import selectors, services
from reviews.forms import ReplyForm, ReportForm, ReviewForm
from reviews.models import Review

FORM_PAGE = "reviews/review_form.html"
LIST_PAGE = "reviews/review_list.html"


def _teacher(teacher_id: int) -> User:
    return get_object_or_404(User, pk=teacher_id, role=Role.TEACHER, is_active=True)


def _course(course_id: int) -> CoursePage:
    return get_object_or_404(CoursePage.objects.live(), pk=course_id)


# --- Writing and editing -------------------------------------------------------------------------


def _review_form(request, *, teacher: User | None = None, course: CoursePage | None = None):
    subject = {"teacher": teacher} if teacher is not None else {"course": course}
    own = selectors.own_review(student=request.user, **subject)
    if teacher is not None:
        allowed = request.user.is_student and selectors.has_attended(student=request.user, teacher=teacher)
        refusal = _("You can review %(name)s after attending a class with them.") % {"name": teacher.name}
    else:
        allowed = request.user.is_student and selectors.has_completed(student=request.user, course=course)
        refusal = _("You can review this course after completing it.")
    if not request.user.is_student:
        refusal = _("Only students can write reviews.")
    initial = {"stars": own.stars, "text": own.text} if own else None
    form = ReviewForm(request.POST or None, initial=initial)
    error, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            try:
                review, created = services.review_submit(
                    student=request.user, stars=form.cleaned_data["stars"], text=form.cleaned_data["text"], **subject
                )
            except services.ReviewError as exc:
                error, status = str(exc), 422
            else:
                success = _("Thank you: your review is posted.") if created else _("Your review is updated.")
                if not request.htmx:
                    messages.success(request, success)
                    return redirect(request.path)
                own, form = review, ReviewForm(initial={"stars": review.stars, "text": review.text})
                return _render_form(request, subject, own, form, allowed=True, success=success)
        else:
            status = 422
    elif not allowed and own is None:
        error, status = refusal, 403
    return _render_form(request, subject, own, form, allowed=allowed or own is not None, error=error, status=status)


def _render_form(request, subject, own, form, *, allowed, error="", success="", status=200):
    context = {
        **subject,
        "subject_name": subject["teacher"].name if "teacher" in subject else subject["course"].title,
        "own": own,
        "form": form,
        "allowed": allowed,
        "editable": own is None or services.can_edit(own),
        "edit_deadline": services.edit_deadline(own) if own else None,
        "edit_days": services.EDIT_DAYS,
        "error": error,
        "success": success,
    }
    template = FORM_PAGE + "#review-form" if request.htmx else FORM_PAGE
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def teacher_review(request, teacher_id: int):
    return _review_form(request, teacher=_teacher(teacher_id))


@login_required
@require_http_methods(["GET", "POST"])
def course_review(request, course_id: int):
    return _review_form(request, course=_course(course_id))


# --- Lists -----------------------------------------------------------------------------------------------


def _list(request, *, reviews, subject_name, list_url, can_reply, rating, back_url, **subject):
    page = selectors.page_of(reviews, request.GET.get("page"))
    context = {
        **subject,
        "subject_name": subject_name,
        "page": page,
        "rating": rating,
        "list_url": list_url,
        "can_reply": can_reply,
        "back_url": back_url,
    }
    if request.htmx:  # "Show more": the next reviews, replacing the button
        return render(request, "reviews/includes/review_items.html", context)
    return render(request, LIST_PAGE, context)


def teacher_list(request, teacher_id: int):
    teacher = _teacher(teacher_id)
    viewer = request.user
    profile = getattr(teacher, "teacher_profile", None)
    return _list(
        request,
        teacher=teacher,
        reviews=selectors.teacher_reviews(teacher=teacher),
        subject_name=teacher.name,
        list_url=request.path,
        can_reply=viewer.is_authenticated and viewer.is_teacher and viewer.pk == teacher.pk,
        rating=selectors.teacher_rating(teacher=teacher),
        back_url=f"/teachers/{profile.slug}/" if profile else "",
    )


def course_list(request, course_id: int):
    course = _course(course_id)
    return _list(
        request,
        course=course,
        reviews=selectors.course_reviews(course=course),
        subject_name=course.title,
        list_url=request.path,
        can_reply=course.taught_by(request.user),
        rating=selectors.course_rating(course=course),
        back_url=course.url,
    )


# --- Reply and report --------------------------------------------------------------------------------------


@login_required
@require_POST
def reply(request, review_id: int):
    review = get_object_or_404(Review.objects.visible().select_related("student", "teacher"), pk=review_id)
    form = ReplyForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            review = services.review_reply(actor=request.user, review_id=review.pk, text=form.cleaned_data["text"])
        except services.ReviewError as exc:
            error = str(exc)
    else:
        error = _("Write your reply.")
    if request.htmx:
        context = {
            "review": review,
            "can_reply": selectors.may_reply(user=request.user, review=review),
            "reply_error": error,
        }
        return render(request, "reviews/includes/review_item.html", context, status=422 if error else 200)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Your reply is posted."))
    return redirect(services.review_url(review))


@login_required
@require_http_methods(["GET", "POST"])
def report(request, review_id: int):
    review = Review.objects.visible().select_related("student", "teacher", "course").filter(pk=review_id).first()
    if review is None:
        raise Http404
    form = ReportForm(request.POST or None)
    error, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.review_report(reporter=request.user, review_id=review.pk, reason=form.cleaned_data["reason"])
            except services.ReviewError as exc:
                error, status = str(exc), 422
            else:
                done = _("Thank you: staff will look at this review.")
                if request.htmx:
                    return render(request, "reviews/report.html#report-form", {"review": review, "done": done})
                messages.success(request, done)
                return redirect(services.review_url(review))
        else:
            status = 422
    context = {"review": review, "form": form, "error": error}
    template = "reviews/report.html#report-form" if request.htmx else "reviews/report.html"
    return render(request, template, context, status=status)
