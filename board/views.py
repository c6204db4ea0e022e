"""The tutoring board's pages: thin; the services decide who may do what."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing.money import to_major, to_minor
from board import selectors, services
from board.forms import ApplicationForm, PostForm
from board.models import ApplicationStatus, PostKind
from lms.models import Role
from tutors.models import Level, Subject


def _filters(get) -> selectors.Filters:
    try:
        budget = to_minor(Decimal(get.get("budget", "")), "GBP") if get.get("budget") else None
    except (InvalidOperation, ValueError):
        budget = None
    if budget is not None and not 0 <= budget < 10**9:
        budget = None
    return selectors.Filters(
        subject=get.get("subject", "")[:80],
        level=get.get("level", "")[:80],
        kind=get.get("kind", "") if get.get("kind") in PostKind.values else "",
        budget=budget,
    )


@login_required
def post_list(request):
    filters = _filters(request.GET)
    posts = Paginator(selectors.board_posts(viewer=request.user, filters=filters), selectors.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "posts": posts,
        "filters": filters,
        "budget_value": request.GET.get("budget", "") if filters.budget is not None else "",
        "querystring": query.urlencode(),
        "browsing": selectors.can_browse(request.user),
        "subjects": Subject.objects.all(),
        "levels": Level.objects.all(),
        "kinds": PostKind.choices,
        "can_post": request.user.role == Role.STUDENT or request.user.is_platform_staff,
    }
    template = "board/post_list.html"
    if request.htmx and request.htmx.target == "board-results":
        template += "#results"
    return render(request, template, context)


def _kind_for(user) -> str:
    if user.role == Role.STUDENT:
        return PostKind.REQUEST
    if user.is_platform_staff:
        return PostKind.POSITION
    raise PermissionDenied(_("Students post tutoring requests; the school's staff post teaching positions."))


@login_required
def post_create(request):
    kind = _kind_for(request.user)
    form = PostForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            post = services.post_create(author=request.user, **form.service_kwargs())
        except services.BoardError as error:
            form.add_error(None, str(error))
        else:
            if post.hidden_at:
                messages.warning(request, _("Your post has contact details in it: staff will review it first."))
            elif kind == PostKind.REQUEST:
                messages.success(request, _("Your request is on the board. We are telling the best-matched tutors."))
            else:
                messages.success(request, _("Your teaching position is on the board."))
            return redirect(post)
    return render(request, "board/post_form.html", {"form": form, "kind": kind})


def _post_or_404(request, post_id):
    post = selectors.post_for(viewer=request.user, post_id=post_id)
    if post is None:
        raise Http404(_("No such post."))
    return post


def _detail_context(request, post, form=None):
    is_author = post.author_id == request.user.pk
    application = selectors.application_of(viewer=request.user, post=post)
    if form is None and application is not None:
        form = ApplicationForm(
            initial={"message": application.message, "rate": to_major(application.rate, post.currency)},
            currency=post.currency,
        )
    return {
        "post": post,
        "is_author": is_author,
        "application": application,
        "can_apply": request.user.role == Role.TEACHER and not is_author,
        "form": form or ApplicationForm(currency=post.currency),
        "applications": selectors.applications_for_author(post=post) if is_author else [],
        "accepted": selectors.accepted_application(post=post),
        "pending": ApplicationStatus.PENDING,
    }


@login_required
def post_detail(request, post_id: int):
    post = _post_or_404(request, post_id)
    return render(request, "board/post_detail.html", _detail_context(request, post))


@login_required
@require_POST
def application_submit(request, post_id: int):
    post = _post_or_404(request, post_id)
    form = ApplicationForm(request.POST, currency=post.currency)
    if form.is_valid():
        try:
            services.application_submit(
                applicant=request.user, post_id=post.pk, message=form.cleaned_data["message"], rate=form.amount_minor()
            )
        except services.BoardError as error:
            form.add_error(None, str(error))
        else:
            notice = _("Your application is saved. The author will see it.")
            if not request.htmx:
                messages.success(request, notice)
                return redirect(post)
            context = _detail_context(request, post)
            context["notice"] = notice
            return render(request, "board/post_detail.html#apply", context)
    context = _detail_context(request, post, form=form)
    if request.htmx:
        return render(request, "board/post_detail.html#apply", context)
    return render(request, "board/post_detail.html", context, status=400)


@login_required
@require_POST
def application_withdraw(request, post_id: int):
    post = _post_or_404(request, post_id)
    try:
        services.application_withdraw(applicant=request.user, post_id=post.pk)
    except services.BoardError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your application is withdrawn."))
    return redirect(post)


@login_required
@require_POST
def post_close(request, post_id: int):
    post = _post_or_404(request, post_id)
    try:
        services.post_close(actor=request.user, post_id=post.pk)
    except services.BoardError as error:
        raise PermissionDenied(str(error)) from None
    messages.success(request, _("Your post is closed."))
    return redirect(post)


@login_required
def applicants(request, post_id: int):
    post = _post_or_404(request, post_id)
    if post.author_id != request.user.pk:
        raise PermissionDenied(_("Only the author of the post compares its applicants."))
    return render(
        request,
        "board/applicants.html",
        {
            "post": post,
            "rows": selectors.applicants_compared(post=post),
            "pending": ApplicationStatus.PENDING,
            "accepted": selectors.accepted_application(post=post),
        },
    )


@login_required
@require_POST
def application_accept(request, application_id: int):
    try:
        application, conversation = services.application_accept(actor=request.user, application_id=application_id)
    except services.BoardError as error:
        messages.error(request, str(error))
        return redirect("board:list")
    applicant = application.applicant
    profile = getattr(applicant, "teacher_profile", None)
    if profile is not None:
        messages.success(
            request,
            format_html(
                _('You chose {name}. Say hello here, then <a href="{url}">book a trial lesson with {name}</a>.'),
                name=applicant.name,
                url=reverse("live:booking_widget", args=[profile.slug]),
            ),
        )
    return redirect(conversation.get_absolute_url())
