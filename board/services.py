"""Writes of the tutoring board: posting, closing, expiring and moderating posts, matching
a request to tutors, applying, and accepting one applicant.

Who may do what is checked here: students post requests (for themselves or, as the account
holder, for a child), staff post the school's teaching positions, teachers apply.
"""

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_q.tasks import async_task

from board.models import Application, ApplicationStatus, MatchNotice, Post, PostKind, PostStatus
from chat import services as chat_services
from lms.models import Role, User
from lms.services import audit_record, notify
from tutors.models import LESSON_LENGTHS, Level, Subject, Tutor
from tutors.ranking import Wanted, score
from tutors.selectors import candidates_for
from tutors.times import PERIODS_BY_KEY, periods_hours

logger = logging.getLogger(__name__)

HELD_REASON = "Held for review: contact details."


class BoardError(Exception):
    """A board action that cannot be done, with a message for the user."""


def post_days() -> int:
    return getattr(settings, "BOARD_POST_DAYS", 30)


def match_notify_count() -> int:
    return getattr(settings, "BOARD_MATCH_NOTIFY", 5)


# --- Posts --------------------------------------------------------------------------------


def _can_post(user: User, kind: str) -> bool:
    if kind == PostKind.REQUEST:
        return user.role == Role.STUDENT
    return user.is_platform_staff


@transaction.atomic
def post_create(
    *,
    author: User,
    kind: str,
    subject: Subject,
    description: str,
    level: Level | None = None,
    title: str = "",
    learner_name: str = "",
    times: list[str] | tuple = (),
    budget: int | None = None,
    currency: str = "GBP",
    lesson_minutes: int = 60,
    online: bool = True,
    hours: str = "",
) -> Post:
    """Post a tutoring request (a student) or a teaching position (staff, for the school).
    A request is then matched to tutors by the worker (`request_match`)."""
    if kind not in PostKind.values:
        raise BoardError(_("Unknown kind of post."))
    if not author.is_active or not _can_post(author, kind):
        if kind == PostKind.REQUEST:
            raise BoardError(_("Only students can post tutoring requests."))
        raise BoardError(_("Only the school's staff can post teaching positions."))
    description = (description or "").strip()
    title = (title or "").strip()
    if not description:
        raise BoardError(_("Describe what you are looking for."))
    if kind == PostKind.POSITION and not title:
        raise BoardError(_("A teaching position needs a title."))
    unknown = [key for key in times if key not in PERIODS_BY_KEY]
    if unknown:
        raise BoardError(_("Pick preferred times from the list."))
    if lesson_minutes not in LESSON_LENGTHS:
        raise BoardError(_("A lesson lasts 30, 45 or 60 minutes."))
    if budget is not None and budget <= 0:
        raise BoardError(_("The amount must be more than zero."))
    (title, description, learner_name, hours), held, flags = chat_services.contact_screen(
        title, description, learner_name, hours
    )
    now = timezone.now()
    post = Post.objects.create(
        kind=kind,
        author=author,
        title=title,
        learner_name=learner_name.strip() if kind == PostKind.REQUEST else "",
        subject=subject,
        level=level,
        description=description,
        times=list(dict.fromkeys(times)),
        time_zone=author.time_zone or "UTC",
        budget=budget,
        currency=currency,
        lesson_minutes=lesson_minutes,
        online=online,
        hours=hours.strip(),
        created_at=now,
        expires_at=now + timedelta(days=post_days()),
        hidden_at=now if held else None,
        hidden_reason=HELD_REASON if held else "",
        flags=flags,
    )
    if held:
        audit_record(actor=author, action="board.post.held", target=post, changes={"flags": (None, flags)})
    else:
        _match_later(post)
    return post


def _match_later(post: Post) -> None:
    if post.kind == PostKind.REQUEST:
        transaction.on_commit(
            lambda: async_task("board.tasks.request_match", post.pk, task_name=f"board-match-{post.pk}")
        )


@transaction.atomic
def post_close(*, actor: User, post_id: int) -> Post:
    """The author takes their open post off the board. Closing a closed post changes nothing."""
    post = Post.objects.select_for_update().filter(pk=post_id, author=actor).first()
    if post is None:
        raise BoardError(_("Only the author can close this post."))
    if post.status == PostStatus.OPEN:
        post.status, post.closed_at = PostStatus.CLOSED, timezone.now()
        post.save(update_fields=["status", "closed_at"])
    return post


def posts_expire(*, now=None) -> int:
    """Mark the open posts past their date expired; returns how many."""
    now = now or timezone.now()
    return Post.objects.filter(status=PostStatus.OPEN, expires_at__lte=now).update(
        status=PostStatus.EXPIRED, closed_at=now
    )


def _require_staff(actor: User) -> None:
    if not actor.is_platform_staff:
        raise BoardError(_("Only staff can moderate the board."))


def _hide(*, actor: User, item: Post | Application, reason: str, action: str, missing_reason: str):
    """Staff hide a post or an application, saying why (audited); returns it locked and hidden."""
    _require_staff(actor)
    reason = (reason or "").strip()
    if not reason:
        raise BoardError(missing_reason)
    item = type(item).objects.select_for_update().get(pk=item.pk)
    before = item.hidden_reason
    item.hidden_at, item.hidden_reason = item.hidden_at or timezone.now(), reason[:300]
    item.save(update_fields=["hidden_at", "hidden_reason"])
    audit_record(actor=actor, action=action, target=item, changes={"hidden_reason": (before, item.hidden_reason)})
    return item


@transaction.atomic
def post_hide(*, actor: User, post: Post, reason: str) -> Post:
    """Staff take a post off the board, saying why (audited); the author is told."""
    post = _hide(
        actor=actor, item=post, reason=reason, action="board.post.hide", missing_reason=_("Say why the post is hidden.")
    )
    notify(
        user=post.author,
        kind="board",
        title=format_lazy(gettext_lazy("Your post “{post}” was hidden by staff"), post=str(post)),
        body=post.hidden_reason,
        url=post.get_absolute_url(),
    )
    return post


@transaction.atomic
def post_show(*, actor: User, post: Post) -> Post:
    """Staff put a hidden (or held) post back on the board (audited); a request is matched."""
    _require_staff(actor)
    post = Post.objects.select_for_update().get(pk=post.pk)
    if post.hidden_at is None:
        return post
    before = post.hidden_reason
    post.hidden_at, post.hidden_reason = None, ""
    post.save(update_fields=["hidden_at", "hidden_reason"])
    audit_record(actor=actor, action="board.post.show", target=post, changes={"hidden_reason": (before, "")})
    _match_later(post)
    return post


# --- Matching -------------------------------------------------------------------------------


def wanted_for(post: Post) -> Wanted:
    """What the request asks for, as the directory's ranking reads it."""
    return Wanted(
        subject=post.subject_id,
        level=post.level_id,
        budget=post.budget,
        times=periods_hours(post.times, ZoneInfo(post.time_zone or "UTC")),
    )


def request_match(*, post_id: int) -> list[int]:
    """Tell the best-ranked listed tutors of the request's subject about it (at most
    BOARD_MATCH_NOTIFY); returns the user ids told this time. Each tutor is told once,
    however often this runs (a retried task): who was told is recorded with the notice."""
    with transaction.atomic():
        post = (
            Post.objects.select_for_update(of=("self",)).select_related("subject", "level").filter(pk=post_id).first()
        )
        if post is None or post.kind != PostKind.REQUEST or not post.is_open:
            return []
        told = set(MatchNotice.objects.filter(post=post).values_list("tutor_id", flat=True))
        room = match_notify_count() - len(told)
        if room <= 0:
            return []
        tutors = list(
            Tutor.objects.listed()
            .filter(subjects=post.subject_id)
            .exclude(user=post.author)
            .exclude(pk__in=told)
            .select_related("user")
        )
        wanted = wanted_for(post)
        ranked = sorted(
            ((score(candidate, wanted).total, tutor) for tutor, candidate in _paired(tutors)),
            key=lambda pair: (-pair[0], pair[1].pk),
        )[:room]
        notified = []
        for total, tutor in ranked:
            MatchNotice.objects.create(post=post, tutor=tutor, score=total)
            notify(
                user=tutor.user,
                kind="board",
                title=format_lazy(
                    gettext_lazy("A student is looking for a {subject} tutor"), subject=post.subject.name
                ),
                body=post.description[:300],
                url=post.get_absolute_url(),
            )
            notified.append(tutor.user_id)
        return notified


def _paired(tutors: list[Tutor]):
    candidates = candidates_for(tutors)
    return [(tutor, candidates[tutor.pk]) for tutor in tutors]


# --- Applications -----------------------------------------------------------------------------


def _can_apply(user: User, post: Post) -> bool:
    return user.is_active and user.role == Role.TEACHER and user.pk != post.author_id


@transaction.atomic
def application_submit(*, applicant: User, post_id: int, message: str, rate: int) -> Application:
    """Apply to an open post with a message and a rate per 60 minutes, or change a pending
    application (once per teacher and post: a second submission edits the first)."""
    post = Post.objects.select_for_update().filter(pk=post_id).first()
    if post is None or not _can_apply(applicant, post):
        raise BoardError(_("Only teachers can apply to posts on the board."))
    if not post.is_open:
        raise BoardError(_("This post is no longer open."))
    message = (message or "").strip()
    if not message:
        raise BoardError(_("Write a message to the author."))
    if not isinstance(rate, int) or rate <= 0:
        raise BoardError(_("The rate must be more than zero."))
    (message,), held, flags = chat_services.contact_screen(message)
    now = timezone.now()
    application = Application.objects.select_for_update().filter(post=post, applicant=applicant).first()
    if application is not None and application.status not in (ApplicationStatus.PENDING, ApplicationStatus.WITHDRAWN):
        raise BoardError(_("Your application was already answered."))
    fields = {
        "message": message,
        "rate": rate,
        "status": ApplicationStatus.PENDING,
        "updated_at": now,
        "flags": flags,
        "hidden_at": now if held else None,
        "hidden_reason": HELD_REASON if held else "",
    }
    first = application is None
    if first:
        try:
            with transaction.atomic():
                application = Application.objects.create(post=post, applicant=applicant, created_at=now, **fields)
        except IntegrityError:  # the same teacher's other tab, at the same moment
            raise BoardError(_("You have already applied to this post.")) from None
    else:
        for name, value in fields.items():
            setattr(application, name, value)
        application.save(update_fields=list(fields))
    if held:
        audit_record(actor=applicant, action="board.application.held", target=application)
    elif first:
        notify(
            user=post.author,
            kind="board",
            title=format_lazy(gettext_lazy("{name} applied to “{post}”"), name=applicant.name, post=str(post)),
            body=message[:300],
            url=reverse("board:applicants", args=[post.pk]),
        )
    return application


@transaction.atomic
def application_withdraw(*, applicant: User, post_id: int) -> Application:
    application = Application.objects.select_for_update().filter(post_id=post_id, applicant=applicant).first()
    if application is None:
        raise BoardError(_("You have not applied to this post."))
    if application.status == ApplicationStatus.PENDING:
        application.status, application.updated_at = ApplicationStatus.WITHDRAWN, timezone.now()
        application.save(update_fields=["status", "updated_at"])
    elif application.status != ApplicationStatus.WITHDRAWN:
        raise BoardError(_("Your application was already answered."))
    return application


@transaction.atomic
def application_accept(*, actor: User, application_id: int) -> tuple[Application, object]:
    """The author chooses one applicant: the post is filled, a conversation opens between
    them with the application's message in it, the others are told politely.

    Accepting again (a double click) returns what the first accept made and tells nobody
    anything twice; accepting on a post that is no longer open changes nothing."""
    application = Application.objects.select_related("post").filter(pk=application_id).first()
    if application is None or application.post.author_id != actor.pk:
        raise BoardError(_("Only the author of the post can choose an applicant."))
    post = Post.objects.select_for_update().get(pk=application.post_id)
    application = Application.objects.select_for_update().select_related("applicant").get(pk=application_id)
    if application.status == ApplicationStatus.ACCEPTED:
        return application, chat_services.conversation_start(user=actor, other=application.applicant)
    if post.status != PostStatus.OPEN or post.hidden_at is not None or post.expires_at <= timezone.now():
        raise BoardError(_("This post is no longer open."))
    if application.status != ApplicationStatus.PENDING or application.hidden_at is not None:
        raise BoardError(_("This application can no longer be accepted."))
    now = timezone.now()
    application.status, application.updated_at = ApplicationStatus.ACCEPTED, now
    application.save(update_fields=["status", "updated_at"])
    post.status, post.closed_at = PostStatus.FILLED, now
    post.save(update_fields=["status", "closed_at"])
    applicant = application.applicant
    try:
        conversation = chat_services.conversation_start(user=actor, other=applicant)
    except chat_services.ChatError as error:
        raise BoardError(str(error)) from None
    try:  # The application's message opens the conversation, as its context.
        chat_services.message_post(
            sender=applicant,
            conversation=conversation,
            body=application.message,
            client_id=f"board-application-{application.pk}",
        )
    except chat_services.ChatError:
        logger.warning("Application %s: its message could not open the conversation.", application.pk)
    notify(
        user=applicant,
        kind="board",
        title=format_lazy(gettext_lazy("{name} chose you for “{post}”"), name=actor.name, post=str(post)),
        body=gettext_lazy("Say hello in your conversation and agree on a first lesson."),
        url=conversation.get_absolute_url(),
    )
    others = (
        Application.objects.select_for_update()
        .filter(post=post, status=ApplicationStatus.PENDING)
        .exclude(pk=application.pk)
        .select_related("applicant")
    )
    for other in others:
        other.status, other.updated_at = ApplicationStatus.DECLINED, now
        other.save(update_fields=["status", "updated_at"])
        notify(
            user=other.applicant,
            kind="board",
            title=format_lazy(gettext_lazy("“{post}” has been filled"), post=str(post)),
            body=gettext_lazy(
                "Thank you for applying. The author chose another teacher this time; we hope to see you "
                "apply to other posts on the board."
            ),
            url=reverse("board:list"),
        )
    return application, conversation


@transaction.atomic
def application_hide(*, actor: User, application: Application, reason: str) -> Application:
    """Staff hide an application, saying why (audited)."""
    return _hide(
        actor=actor,
        item=application,
        reason=reason,
        action="board.application.hide",
        missing_reason=_("Say why the application is hidden."),
    )


@transaction.atomic
def application_show(*, actor: User, application: Application) -> Application:
    _require_staff(actor)
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.hidden_at is not None:
        before = application.hidden_reason
        application.hidden_at, application.hidden_reason = None, ""
        application.save(update_fields=["hidden_at", "hidden_reason"])
        audit_record(
            actor=actor, action="board.application.show", target=application, changes={"hidden_reason": (before, "")}
        )
    return application
