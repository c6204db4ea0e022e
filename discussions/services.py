"""The rules of a course's discussions: starting a thread, replying, upvoting, following,
marking the answer, reporting, and the moderation teachers and staff do (pin, lock, hide
with a reason, audited). Views, the admin and tasks call these; none has rules of its own."""

import re
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from chat import realtime as chat_realtime
from chat.services import contact_screen
from courses.models import CoursePage, Enrollment, LessonPage
from courses.services import student_teachers
from discussions import selectors
from discussions.markdown import render
from discussions.models import Follow, Post, PostStatus, Report, Thread, Upvote
from lms.infra import realtime
from lms.models import User
from lms.services import audit_record, notify

TITLE_MAX = 200
BODY_MAX = 10_000
# A second identical reply this soon is the same click twice (or a retried request).
DOUBLE_POST_SECONDS = 30


class DiscussionError(Exception):
    """A rule refused the action; the message is for the user."""


def _checked_body(body) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise DiscussionError(_("Write something first."))
    if "\x00" in body:
        raise DiscussionError(_("The text contains characters that cannot be stored (such as NUL)."))
    if len(body) > BODY_MAX:
        raise DiscussionError(
            ngettext("Keep it under %(n)s character.", "Keep it under %(n)s characters.", BODY_MAX) % {"n": BODY_MAX}
        )
    return body


def _must_take_part(user: User, course: CoursePage) -> None:
    if not selectors.may_take_part(user=user, course=course):
        raise DiscussionError(_("Only the course's students and teachers take part in its discussions."))


def _must_moderate(user: User, course: CoursePage) -> None:
    if not selectors.may_moderate(user=user, course=course):
        raise DiscussionError(_("Only the course's teachers and staff can do that."))


def thread_url(thread: Thread, post: Post | None = None) -> str:
    url = reverse("discussions:thread", args=[thread.pk])
    return f"{url}#post-{post.pk}" if post else url


def _participants(course: CoursePage) -> list[User]:
    """Everyone who may be mentioned in the course's discussions."""
    teachers = User.objects.filter(pk=course.owner_id) | course.teachers.all()
    students = User.objects.filter(pk__in=Enrollment.objects.filter(course=course, status="active").values("student"))
    return list((teachers | students).distinct())


def mentioned(body: str, *, course: CoursePage, author: User) -> list[User]:
    """The course's people named in `body` as @Their Name (as shown on the site)."""
    lowered = body.casefold()
    if "@" not in lowered:
        return []
    found = []
    for person in _participants(course):
        name = person.name.strip()
        named = re.search(r"@" + re.escape(name.casefold()) + r"(?!\w)", lowered)
        if person.pk != author.pk and len(name) >= 2 and named:
            found.append(person)
    return found


def _announce(post: Post) -> None:
    """After commit: the thread's open pages fetch the new post (discussions/views.posts)."""
    event = realtime.page_event({"type": "discussion.post", "thread": post.thread_id, "post": post.pk})
    group = realtime.topic_group(selectors.THREAD_TOPIC, post.thread_id)
    transaction.on_commit(lambda: chat_realtime.send((group, event)), robust=True)


def _tell_about(post: Post) -> None:
    """Notify who a newly visible post concerns: the people it mentions, the thread's
    followers, and for a new thread the author's teachers (each told once)."""
    thread, author = post.thread, post.author
    url = thread_url(thread, post)
    told = {author.pk}
    for person in mentioned(post.body, course=thread.course, author=author):
        notify(
            user=person,
            kind="discussion",
            title=format_lazy(
                gettext_lazy("{name} mentioned you in “{thread}”"), name=author.name, thread=thread.title
            ),
            body=post.body[:300],
            url=url,
        )
        told.add(person.pk)
    if post.is_opening:
        course = thread.course
        teachers = student_teachers(student=author, course=course)  # the asker's cohort's, if it has its own
        title = (
            format_lazy(
                gettext_lazy("New question on “{lesson}”: {thread}"), lesson=thread.lesson.title, thread=thread.title
            )
            if thread.lesson_id
            else format_lazy(
                gettext_lazy("New discussion in {course}: {thread}"), course=course.title, thread=thread.title
            )
        )
        recipients = [teacher for teacher in teachers if teacher.pk not in told]
    else:
        title = format_lazy(gettext_lazy("New reply in “{thread}”"), thread=thread.title)
        recipients = list(
            User.objects.filter(pk__in=Follow.objects.filter(thread=thread).values("user"), is_active=True).exclude(
                pk__in=told
            )
        )
    for person in recipients:
        notify(user=person, kind="discussion", title=title, body=post.body[:300], url=url)


def _published(post: Post) -> None:
    """A post has become visible to the course: count it, show it live, tell who it concerns."""
    if not post.is_opening:
        Thread.objects.filter(pk=post.thread_id).update(reply_count=F("reply_count") + 1, last_post_at=post.created_at)
    _announce(post)
    _tell_about(post)


def _follow(thread: Thread, user: User) -> None:
    Follow.objects.get_or_create(thread=thread, user=user)


@transaction.atomic
def thread_start(
    *, author: User, course: CoursePage, title: str, body: str, lesson: LessonPage | None = None
) -> Thread:
    """A course-wide thread, or a question on one of the course's lessons (`lesson`)."""
    _must_take_part(author, course)
    if lesson is not None and (lesson.course is None or lesson.course.pk != course.pk):
        raise DiscussionError(_("That lesson is not part of this course."))
    title = " ".join((title or "").split())
    if not title:
        raise DiscussionError(_("Give it a title."))
    if len(title) > TITLE_MAX:
        raise DiscussionError(_("Keep the title under %(n)s characters.") % {"n": TITLE_MAX})
    body = _checked_body(body)
    (title, body), held, flags = contact_screen(title, body)
    now = timezone.now()
    thread = Thread.objects.create(
        course=course, lesson=lesson, author=author, title=title, created_at=now, last_post_at=now
    )
    post = Post.objects.create(
        thread=thread,
        author=author,
        body=body,
        html=render(body),
        is_opening=True,
        status=PostStatus.HELD if held else PostStatus.VISIBLE,
        flags=flags,
        created_at=now,
    )
    _follow(thread, author)
    if not held:
        _published(post)
    return thread


def reply_post(*, author: User, thread: Thread, body: str) -> Post:
    """A reply; its author follows the thread from then on. The same text sent twice within
    DOUBLE_POST_SECONDS is stored once (a double click, a retried request)."""
    body = _checked_body(body)
    with transaction.atomic():
        thread = Thread.objects.select_for_update().select_related("course").get(pk=thread.pk)
        course = thread.course
        _must_take_part(author, course)
        moderator = selectors.may_moderate(user=author, course=course)
        if thread.hidden and not moderator:
            raise DiscussionError(_("This thread has been hidden by a moderator."))
        if thread.locked and not moderator:
            raise DiscussionError(_("This thread is locked: no new replies."))
        (stored,), held, flags = contact_screen(body)
        since = timezone.now() - timedelta(seconds=DOUBLE_POST_SECONDS)
        same = Post.objects.filter(thread=thread, author=author, body=stored, created_at__gte=since).first()
        if same is not None:
            return same
        post = Post.objects.create(
            thread=thread,
            author=author,
            body=stored,
            html=render(stored),
            status=PostStatus.HELD if held else PostStatus.VISIBLE,
            flags=flags,
        )
        _follow(thread, author)
        if not held:
            _published(post)
    return post


@transaction.atomic
def post_upvote(*, user: User, post: Post, up: bool = True) -> Post:
    """Upvote a post (or take the upvote back); one per person, never one's own."""
    post = Post.objects.select_for_update().select_related("thread__course").get(pk=post.pk)
    _must_take_part(user, post.thread.course)
    if post.author_id == user.pk:
        raise DiscussionError(_("You cannot upvote your own post."))
    if post.status != PostStatus.VISIBLE:
        raise DiscussionError(_("This post cannot be upvoted."))
    if up:
        Upvote.objects.get_or_create(post=post, user=user)
    else:
        Upvote.objects.filter(post=post, user=user).delete()
    post.upvote_count = post.upvotes.count()
    post.save(update_fields=["upvote_count"])
    post.upvoted = up
    return post


def thread_follow(*, user: User, thread: Thread, follow: bool = True) -> bool:
    """Follow a thread (a notification for every new reply), or stop; returns the new state."""
    if not selectors.may_read_thread(user=user, thread=thread):
        raise DiscussionError(_("Only the course's students and teachers take part in its discussions."))
    if follow:
        try:
            with transaction.atomic():
                _follow(thread, user)
        except IntegrityError:  # followed at the same moment from another tab
            pass
    else:
        Follow.objects.filter(thread=thread, user=user).delete()
    return follow


@transaction.atomic
def answer_mark(*, actor: User, thread: Thread, post: Post | None) -> Thread:
    """A teacher marks the reply that answers the thread (None: no answer yet)."""
    thread = Thread.objects.select_for_update().select_related("course", "author").get(pk=thread.pk)
    _must_moderate(actor, thread.course)
    if post is not None and (post.thread_id != thread.pk or post.is_opening or post.status != PostStatus.VISIBLE):
        raise DiscussionError(_("Only a visible reply in this thread can be its answer."))
    before = thread.answer_id
    thread.answer = post
    thread.save(update_fields=["answer"])
    if post is not None and before != post.pk and thread.author_id != actor.pk:
        notify(
            user=thread.author,
            kind="discussion",
            title=format_lazy(gettext_lazy("“{thread}” has an answer"), thread=thread.title),
            body=post.body[:300],
            url=thread_url(thread, post),
        )
    return thread


THREAD_ACTIONS = {
    "pin": ("pinned", True),
    "unpin": ("pinned", False),
    "lock": ("locked", True),
    "unlock": ("locked", False),
    "hide": ("hidden", True),
    "unhide": ("hidden", False),
}


@transaction.atomic
def thread_moderate(*, actor: User, thread: Thread, action: str, reason: str = "") -> Thread:
    """Pin, lock or hide a thread (or undo it); locking and hiding need a reason, and every
    change is in the audit log."""
    if action not in THREAD_ACTIONS:
        raise DiscussionError(_("Unknown action."))
    thread = Thread.objects.select_for_update().select_related("course").get(pk=thread.pk)
    _must_moderate(actor, thread.course)
    field, value = THREAD_ACTIONS[action]
    reason = " ".join((reason or "").split())[:300]
    if action in ("lock", "hide") and not reason:
        raise DiscussionError(_("Say why: the reason is shown to the course."))
    before = getattr(thread, field)
    setattr(thread, field, value)
    if action in ("lock", "hide"):
        thread.moderation_reason = reason
    thread.save(update_fields=[field, "moderation_reason"])
    audit_record(
        actor=actor,
        action=f"discussions.thread.{action}",
        target=thread,
        changes={field: (before, value)},
        message=reason,
    )
    return thread


@transaction.atomic
def post_hide(*, actor: User, post: Post, reason: str = "", hide: bool = True) -> Post:
    """Hide a reply from the course (its author and moderators still see it, marked), or show
    it again. A thread's opening post goes with its thread: hide the thread."""
    post = Post.objects.select_for_update().select_related("thread__course").get(pk=post.pk)
    _must_moderate(actor, post.thread.course)
    if post.is_opening:
        raise DiscussionError(_("To hide the question itself, hide the thread."))
    reason = " ".join((reason or "").split())[:300]
    if hide and not reason:
        raise DiscussionError(_("Say why: the reason is shown to the author."))
    before = post.status
    if before == PostStatus.HELD and not hide:  # showing a held post is approving it: staff's review
        return held_post_approve(actor=actor, post=post)
    post.status = PostStatus.HIDDEN if hide else PostStatus.VISIBLE
    post.hidden_reason = reason if hide else ""
    post.save(update_fields=["status", "hidden_reason"])
    if PostStatus.VISIBLE in (before, post.status) and before != post.status:
        Thread.objects.filter(pk=post.thread_id).update(reply_count=F("reply_count") + (-1 if hide else 1))
    if hide and post.thread.answer_id == post.pk:
        Thread.objects.filter(pk=post.thread_id).update(answer=None)
    Report.objects.filter(post=post, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=actor, resolution="hide" if hide else "keep"
    )
    audit_record(
        actor=actor,
        action="discussions.post.hide" if hide else "discussions.post.show",
        target=post,
        changes={"status": (before, post.status)},
        message=reason,
    )
    return post


@transaction.atomic
def held_post_approve(*, actor: User, post: Post) -> Post:
    """Staff let a post the contact blocker held through: it appears as if just posted."""
    if not actor.is_platform_staff:
        raise DiscussionError(_("Only staff review held posts."))
    post = Post.objects.select_for_update().select_related("thread__course", "author").get(pk=post.pk)
    if post.status != PostStatus.HELD:
        return post
    post.status = PostStatus.VISIBLE
    post.save(update_fields=["status"])
    _published(post)
    audit_record(actor=actor, action="discussions.post.approve", target=post, changes={"status": ("held", "visible")})
    return post


@transaction.atomic
def post_edit(*, author: User, post: Post, body: str) -> Post:
    """Its author changes a post within EDIT_WINDOW (a typo, a better question); the page marks
    it edited. Contact details are treated as in a new post, except that a published post is
    not taken back for review: an edit that would be held is refused instead."""
    body = _checked_body(body)
    post = Post.objects.select_for_update().select_related("thread__course").get(pk=post.pk)
    if post.author_id != author.pk or not selectors.may_read_thread(user=author, thread=post.thread):
        raise DiscussionError(_("You can only change your own posts."))
    if not post.editable:
        raise DiscussionError(_("This post can no longer be changed."))
    (stored,), held, flags = contact_screen(body)
    if held and post.status == PostStatus.VISIBLE:
        raise DiscussionError(
            _("Posts cannot contain phone numbers, email addresses or outside links. Remove them and try again.")
        )
    post.body, post.html, post.flags, post.edited_at = stored, render(stored), flags, timezone.now()
    post.save(update_fields=["body", "html", "flags", "edited_at"])
    return post


@transaction.atomic
def post_report(*, reporter: User, post: Post, reason: str = "") -> Report:
    """A reader reports a post to staff's moderation queue (once per reader and post)."""
    post = Post.objects.select_related("thread__course").get(pk=post.pk)
    if not selectors.may_read_thread(user=reporter, thread=post.thread):
        raise DiscussionError(_("Only the course's students and teachers take part in its discussions."))
    if post.author_id == reporter.pk:
        raise DiscussionError(_("You cannot report your own post."))
    report, _created = Report.objects.get_or_create(
        post=post, reporter=reporter, defaults={"reason": " ".join((reason or "").split())[:500]}
    )
    return report


@transaction.atomic
def report_dismiss(*, actor: User, report: Report) -> Report:
    """Staff keep the reported post as it is."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.resolved_at is None:
        report.resolved_at, report.resolved_by, report.resolution = timezone.now(), actor, "keep"
        report.save(update_fields=["resolved_at", "resolved_by", "resolution"])
        audit_record(actor=actor, action="discussions.report.dismiss", target=report)
    return report
