"""A course's discussions: the course's thread list (search, filters, a new thread), a
thread's page (replies arriving live), and the small actions on it. Thin: the rules are in
discussions.services, the reads in discussions.selectors."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses.models import CoursePage, LessonPage
from discussions import selectors, services
from discussions.forms import ReplyForm, ThreadForm
from discussions.models import Post, Thread
from lms.infra.validators import parse_id

SHOW = {"questions", "unanswered", "following"}
PER_PAGE = 20


def _course(request, course_id: int) -> CoursePage:
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    if not selectors.may_take_part(user=request.user, course=course):
        raise PermissionDenied(_("Only the course's students and teachers take part in its discussions."))
    return course


def _thread(request, thread_id: int) -> Thread:
    thread = get_object_or_404(Thread.objects.select_related("course", "lesson", "author"), pk=thread_id)
    if not selectors.may_read_thread(user=request.user, thread=thread):
        raise PermissionDenied(_("Only the course's students and teachers take part in its discussions."))
    return thread


def _post(request, post_id: int) -> Post:
    post = get_object_or_404(Post.objects.select_related("thread__course", "author"), pk=post_id)
    if not selectors.may_read_thread(user=request.user, thread=post.thread):
        raise PermissionDenied(_("Only the course's students and teachers take part in its discussions."))
    return post


@login_required
def course_discussions(request, course_id: int):
    course = _course(request, course_id)
    form = ThreadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        lesson_id = form.cleaned_data.get("lesson")
        lesson = LessonPage.objects.filter(pk=lesson_id).first() if lesson_id else None
        try:
            thread = services.thread_start(
                author=request.user,
                course=course,
                lesson=lesson,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
            )
        except services.DiscussionError as exc:
            form.add_error(None, str(exc))
        else:
            if thread.posts.get(is_opening=True).status == "held":
                messages.info(request, _("Your post is waiting for a moderator: it has contact details in it."))
            return redirect("discussions:thread", thread.pk)
    query = request.GET.get("q", "").strip()[:100]
    show = request.GET.get("show", "")
    show = show if show in SHOW else ""
    moderator = selectors.may_moderate(user=request.user, course=course)
    threads = selectors.course_threads(user=request.user, course=course, moderator=moderator, query=query, show=show)
    page = Paginator(threads, PER_PAGE).get_page(request.GET.get("page"))
    context = {"course": course, "form": form, "page": page, "query": query, "show": show, "moderator": moderator}
    template = (
        "discussions/course.html#threads" if request.htmx and request.method == "GET" else "discussions/course.html"
    )
    return TemplateResponse(request, template, context, status=400 if form.errors else 200)


def _thread_context(request, thread: Thread, *, form=None, error=None) -> dict:
    moderator = selectors.may_moderate(user=request.user, course=thread.course)
    return {
        "thread": thread,
        "course": thread.course,
        "posts": selectors.thread_posts(user=request.user, thread=thread, moderator=moderator),
        "moderator": moderator,
        "teacher_ids": selectors.teacher_ids(course=thread.course),
        "following": selectors.is_following(user=request.user, thread=thread),
        "form": form or ReplyForm(),
        "reply_error": error,
        "topic": f"{selectors.THREAD_TOPIC}:{thread.pk}",
    }


@login_required
def thread(request, thread_id: int):
    thread = _thread(request, thread_id)
    return TemplateResponse(request, "discussions/thread.html", _thread_context(request, thread))


@login_required
def posts(request, thread_id: int):
    """The posts after `?after=<id>`: what an open page fetches when told of a new one, or
    after its socket reconnects."""
    thread = _thread(request, thread_id)
    moderator = selectors.may_moderate(user=request.user, course=thread.course)
    after = parse_id(request.GET.get("after", "")) or 0
    context = {
        "thread": thread,
        "moderator": moderator,
        "teacher_ids": selectors.teacher_ids(course=thread.course),
        "posts": selectors.thread_posts(user=request.user, thread=thread, moderator=moderator, after=after),
    }
    return TemplateResponse(request, "discussions/thread.html#new-posts", context)


@login_required
@require_POST
def reply(request, thread_id: int):
    thread = _thread(request, thread_id)
    form = ReplyForm(request.POST)
    error, post = None, None
    if form.is_valid():
        try:
            post = services.reply_post(author=request.user, thread=thread, body=form.cleaned_data["body"])
        except services.DiscussionError as exc:
            error = str(exc)
    else:
        error = " ".join(message for errors in form.errors.values() for message in errors)
    if request.htmx:
        thread.refresh_from_db()
        context = _thread_context(request, thread, form=form if error else None, error=error)
        context["replied"] = post
        return TemplateResponse(request, "discussions/thread.html#conversation", context, status=400 if error else 200)
    if error:
        messages.error(request, error)
        return redirect("discussions:thread", thread.pk)
    if post.status == "held":
        messages.info(request, _("Your reply is waiting for a moderator: it has contact details in it."))
    return redirect(services.thread_url(thread, post))


@login_required
@require_POST
def follow(request, thread_id: int):
    thread = _thread(request, thread_id)
    following = services.thread_follow(user=request.user, thread=thread, follow=request.POST.get("follow") == "1")
    if request.htmx:
        return TemplateResponse(request, "discussions/thread.html#follow", {"thread": thread, "following": following})
    messages.success(request, _("You follow this thread.") if following else _("You no longer follow this thread."))
    return redirect("discussions:thread", thread.pk)


@login_required
@require_POST
def upvote(request, post_id: int):
    post = _post(request, post_id)
    error = None
    try:
        post = services.post_upvote(user=request.user, post=post, up=request.POST.get("up") == "1")
    except services.DiscussionError as exc:
        error = str(exc)
        post.upvoted = post.upvotes.filter(user=request.user).exists()
    if request.htmx:
        context = {"post": post, "upvote_error": error}
        return TemplateResponse(request, "discussions/thread.html#upvote", context, status=400 if error else 200)
    if error:
        messages.error(request, error)
    return redirect(services.thread_url(post.thread, post))


def _done(request, thread: Thread, done: str, action) -> object:
    """Run a moderation or report action, then back to the thread with what happened."""
    try:
        action()
    except services.DiscussionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("discussions:thread", thread.pk)


@login_required
@require_POST
def answer(request, post_id: int):
    post = _post(request, post_id)
    unmark = request.POST.get("unmark") == "1"
    return _done(
        request,
        post.thread,
        _("No reply is marked as the answer.") if unmark else _("Marked as the answer."),
        lambda: services.answer_mark(actor=request.user, thread=post.thread, post=None if unmark else post),
    )


MODERATED = {
    "pin": _("Pinned to the top."),
    "unpin": _("Unpinned."),
    "lock": _("Locked: no new replies."),
    "unlock": _("Unlocked."),
    "hide": _("Hidden from the course."),
    "unhide": _("Shown to the course again."),
}


@login_required
@require_POST
def moderate(request, thread_id: int):
    thread = _thread(request, thread_id)
    action = request.POST.get("action", "")
    return _done(
        request,
        thread,
        MODERATED.get(action, ""),
        lambda: services.thread_moderate(
            actor=request.user, thread=thread, action=action, reason=request.POST.get("reason", "")
        ),
    )


@login_required
@require_POST
def hide(request, post_id: int):
    post = _post(request, post_id)
    show = request.POST.get("show") == "1"
    return _done(
        request,
        post.thread,
        _("The reply is shown again.") if show else _("The reply is hidden."),
        lambda: services.post_hide(actor=request.user, post=post, reason=request.POST.get("reason", ""), hide=not show),
    )


@login_required
@require_POST
def edit(request, post_id: int):
    post = _post(request, post_id)
    try:
        services.post_edit(author=request.user, post=post, body=request.POST.get("body", ""))
    except services.DiscussionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your post is changed."))
    return redirect(services.thread_url(post.thread, post))


@login_required
@require_POST
def report(request, post_id: int):
    post = _post(request, post_id)
    return _done(
        request,
        post.thread,
        _("Thank you: staff will review the post."),
        lambda: services.post_report(reporter=request.user, post=post, reason=request.POST.get("reason", "")),
    )
