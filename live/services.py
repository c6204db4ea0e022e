"""Writes of the live app: availability, booking and approval, group classes, changes,
attendance, disputes, reminders and expiry.

Every function validates first and raises `BookingError` with a message for people;
views show it. Everybody concerned hears about a change after commit: an in-app
notification (`lms.services.notify`), a calendar email with an .ics (live.tasks) and,
for open pages, a `live.booking` event on the shared page socket (see lms/infra/realtime.py).
"""

import logging
from datetime import date, datetime, time, timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_q.tasks import async_task

from billing import lessons
from billing.exceptions import BillingError, EventRejected
from billing.models import Payment
from live import selectors
from live.meetings import MeetingError, meeting_provider, provider_for
from live.models import (
    Availability,
    DateException,
    Dispute,
    JoinClick,
    LiveClass,
    LivePreferences,
    Participant,
    ReminderDelivery,
    WeeklyHours,
)
from lms.formats import when
from lms.infra import events, realtime
from lms.models import Role, User
from lms.services import notify, notify_staff

logger = logging.getLogger(__name__)

SLOT_TAKEN = gettext_lazy("Sorry — that slot was just taken. Please pick another time.")


class BookingError(Exception):
    """A live-class action that cannot be done; the message says why, for the user."""


# "This class is already declined." and the like: one sentence per status.
ALREADY = {
    LiveClass.Status.PENDING: gettext_lazy("This class is still waiting for the teacher."),
    LiveClass.Status.CONFIRMED: gettext_lazy("This class is already confirmed."),
    LiveClass.Status.REJECTED: gettext_lazy("This class is already declined."),
    LiveClass.Status.CANCELLED: gettext_lazy("This class is already cancelled."),
    LiveClass.Status.EXPIRED: gettext_lazy("This class has already expired."),
}

DISPUTE_CLOSED = {
    Dispute.Status.RESOLVED: gettext_lazy("Your scheduling dispute was resolved"),
    Dispute.Status.DISMISSED: gettext_lazy("Your scheduling dispute was dismissed"),
}


def live_group(user_id: int) -> str:
    """A user's live-class events, forwarded by the shared page socket (lms.infra.realtime)."""
    return f"live-user-{user_id}"


def when_for(live_class: LiveClass, user) -> str:
    """The class's start in the user's own zone and the active language, for notifications
    and emails (written inside `lms.i18n.recipient_language(user)`)."""
    zone = selectors.user_zone(user)
    with timezone.override(zone):
        return f"{when(live_class.start, 'day_year_time')} ({zone.key})"


def _display_title(live_class: LiveClass) -> str:
    return live_class.display_title


# Notification titles and bodies are lazy: lms.services.notify writes them in the
# recipient's language, so the parts that depend on the language are lazy too.
when_lazy = lazy(when_for, str)
display_title_lazy = lazy(_display_title, str)
title_for_lazy = lazy(selectors.class_title_for, str)


# --- After-commit announcements --------------------------------------------------------


def _announce(live_class: LiveClass, user_ids) -> None:
    payload = {"type": "live.booking", "class_id": live_class.pk, "status": live_class.status}
    event = realtime.page_event(payload)
    user_ids = list(set(user_ids))

    def send():
        layer = get_channel_layer()
        for user_id in user_ids:
            try:
                async_to_sync(layer.group_send)(live_group(user_id), event)
            except Exception:
                logger.warning("Could not announce class %s to user %s", payload["class_id"], user_id, exc_info=True)

    transaction.on_commit(send)


def _send_invitations(live_class: LiveClass, method: str, user_ids) -> None:
    """One worker task per recipient (and one for BOOKING_CC_EMAIL), so a retry after a
    failed send never emails the others twice."""
    recipients = [[user_id] for user_id in sorted(set(user_ids))]
    copies = [[]] if settings.BOOKING_CC_EMAIL else []
    name = f"live-invitation-{live_class.pk}-{live_class.sequence}-{method}"

    def enqueue():
        for ids in recipients:
            async_task("live.tasks.invitation_send", live_class.pk, method, ids, task_name=f"{name}-{ids[0]}")
        for ids in copies:
            async_task("live.tasks.invitation_send", live_class.pk, method, ids, cc=True, task_name=f"{name}-cc")

    transaction.on_commit(enqueue)


def _registered_ids(live_class: LiveClass) -> list[int]:
    return list(
        live_class.participants.filter(status=Participant.Status.REGISTERED).values_list("student_id", flat=True)
    )


def _locked_class(live_class_id: int) -> LiveClass:
    try:
        return LiveClass.objects.select_for_update().select_related("teacher").get(pk=live_class_id)
    except LiveClass.DoesNotExist:
        raise BookingError(_("That class does not exist.")) from None


def _lock_teacher(teacher: User) -> None:
    # SQLite has no exclusion constraint: the booking transaction takes the teacher's
    # row (and SQLite's single writer, BEGIN IMMEDIATE) serialises bookings. PostgreSQL
    # relies on the exclusion constraint instead, so concurrent requests really race.
    if connection.vendor != "postgresql":
        User.objects.select_for_update().filter(pk=teacher.pk).first()


def _save_holding(live_class: LiveClass, **save_kwargs) -> None:
    """Save a class that holds the teacher's time; an overlap becomes SLOT_TAKEN."""
    try:
        with transaction.atomic():
            live_class.save(**save_kwargs)
    except IntegrityError as exc:
        if "live_class_no_overlap" in str(exc) or "exclusion" in str(exc).lower():
            raise BookingError(SLOT_TAKEN) from exc
        raise


def _marketplace_changed(teacher_id: int) -> None:
    """The teacher's free slots or track record changed: the worker rebuilds their marketplace
    free hours and figures (lessons taught, response, reliability) after commit (tutors.tasks).
    Called before `_announce`: the announcement is the last thing done on commit, so a page's
    live refresh cannot overtake the answer to the click that caused it (with a synchronous
    worker, as in tests and `make run`, the task runs inside the request)."""
    transaction.on_commit(lambda: async_task("tutors.tasks.tutor_refresh", teacher_id))


# --- Availability ----------------------------------------------------------------------


def availability_ensure(*, teacher: User) -> Availability:
    if teacher.role != Role.TEACHER:
        raise BookingError(_("Only teachers have availability."))
    availability, _created = Availability.objects.get_or_create(teacher=teacher)
    return availability


@transaction.atomic
def availability_update(
    *,
    teacher: User,
    accepting: bool,
    class_minutes: int,
    buffer_minutes: int,
    min_notice_hours: int,
    max_days_ahead: int,
) -> Availability:
    availability = availability_ensure(teacher=teacher)
    if class_minutes not in dict(Availability._meta.get_field("class_minutes").choices):
        raise BookingError(_("Choose a class length from the list."))
    if not 0 <= buffer_minutes <= 120:
        raise BookingError(_("The buffer must be between 0 and 120 minutes."))
    # A request expires LIVE_PENDING_EXPIRES_MINUTES before its start; the notice must
    # leave the teacher time to answer before that.
    shortest = settings.LIVE_PENDING_EXPIRES_MINUTES // 60 + 1
    if not shortest <= min_notice_hours <= 24 * 14:
        raise BookingError(_("The minimum notice must be between %(hours)s hours and two weeks.") % {"hours": shortest})
    if not 1 <= max_days_ahead <= 365:
        raise BookingError(_("Students can book between 1 and 365 days ahead."))
    availability.accepting = accepting
    availability.class_minutes = class_minutes
    availability.buffer_minutes = buffer_minutes
    availability.min_notice_hours = min_notice_hours
    availability.max_days_ahead = max_days_ahead
    availability.save()
    _marketplace_changed(teacher.pk)
    return availability


@transaction.atomic
def weekly_hours_add(*, teacher: User, weekday: int, start_time: time, end_time: time) -> WeeklyHours:
    availability_ensure(teacher=teacher)
    if weekday not in range(7):
        raise BookingError(_("Choose a day of the week."))
    if end_time <= start_time:
        raise BookingError(_("The end must be after the start."))
    if WeeklyHours.objects.filter(
        teacher=teacher, weekday=weekday, start_time__lt=end_time, end_time__gt=start_time
    ).exists():
        raise BookingError(_("These hours overlap hours you already have on that day."))
    _marketplace_changed(teacher.pk)
    return WeeklyHours.objects.create(teacher=teacher, weekday=weekday, start_time=start_time, end_time=end_time)


@transaction.atomic
def weekly_hours_delete(*, teacher: User, hours_id: int) -> None:
    deleted, _details = WeeklyHours.objects.filter(teacher=teacher, pk=hours_id).delete()
    if not deleted:
        raise BookingError(_("Those hours do not exist."))
    _marketplace_changed(teacher.pk)


@transaction.atomic
def date_exception_add(
    *, teacher: User, day: date, start_time: time | None = None, end_time: time | None = None
) -> DateException:
    availability_ensure(teacher=teacher)
    if (start_time is None) != (end_time is None):
        raise BookingError(_("Give both a start and an end, or neither for a day off."))
    if start_time is not None and end_time <= start_time:
        raise BookingError(_("The end must be after the start."))
    if day < timezone.now().astimezone(selectors.user_zone(teacher)).date():
        raise BookingError(_("That date has passed."))
    existing = DateException.objects.filter(teacher=teacher, date=day)
    if start_time is None:
        existing.delete()  # a day off replaces any other hours that day
    else:
        existing.filter(start_time__isnull=True).delete()
        if existing.filter(start_time__lt=end_time, end_time__gt=start_time).exists():
            raise BookingError(_("These hours overlap hours you already set for that date."))
    _marketplace_changed(teacher.pk)
    return DateException.objects.create(teacher=teacher, date=day, start_time=start_time, end_time=end_time)


@transaction.atomic
def date_exception_delete(*, teacher: User, exception_id: int) -> None:
    deleted, _details = DateException.objects.filter(teacher=teacher, pk=exception_id).delete()
    if not deleted:
        raise BookingError(_("That exception does not exist."))
    _marketplace_changed(teacher.pk)


# --- Booking a one-to-one class --------------------------------------------------------


def _check_slot(
    *, teacher: User, start: datetime, now: datetime, exclude_id: int | None = None, minutes: int | None = None
):
    """The offered slot starting at `start`, or a BookingError saying why it is not one."""
    rules = selectors.teacher_rules(teacher, minutes)
    if start <= now:
        raise BookingError(_("That time has already passed."))
    if start < now + timedelta(hours=rules.min_notice_hours):
        raise BookingError(
            ngettext(
                "%(name)s needs at least %(hours)s hour's notice.",
                "%(name)s needs at least %(hours)s hours' notice.",
                rules.min_notice_hours,
            )
            % {"name": teacher.name, "hours": rules.min_notice_hours}
        )
    if start > now + timedelta(days=rules.max_days_ahead):
        raise BookingError(
            ngettext(
                "%(name)s takes bookings up to %(days)s day ahead.",
                "%(name)s takes bookings up to %(days)s days ahead.",
                rules.max_days_ahead,
            )
            % {"name": teacher.name, "days": rules.max_days_ahead}
        )
    window = {
        "now": now,
        "start": start - timedelta(minutes=1),
        "end": start + timedelta(minutes=1),
        "minutes": minutes,
    }
    offered = [s for s in selectors.teacher_free_slots(teacher=teacher, ignore_busy=True, **window) if s.start == start]
    if not offered:
        raise BookingError(_("That time is not one of %(name)s's available slots.") % {"name": teacher.name})
    free = selectors.teacher_free_slots(teacher=teacher, exclude_id=exclude_id, **window)
    if not any(s.start == start for s in free):
        raise BookingError(SLOT_TAKEN)
    return offered[0]


def _check_student_free(*, student: User, start: datetime, end: datetime, exclude_id: int | None = None) -> None:
    clash = LiveClass.objects.active().filter(
        participants__student=student,
        participants__status=Participant.Status.REGISTERED,
        start__lt=end,
        end__gt=start,
    )
    if exclude_id:
        clash = clash.exclude(pk=exclude_id)
    if clash.exists():
        raise BookingError(_("You already have a class at that time."))


@transaction.atomic
def booking_request(
    *,
    student: User,
    teacher: User,
    start: datetime | None,
    note: str = "",
    minutes: int | None = None,
    use_credit: bool = False,
    now: datetime | None = None,
) -> LiveClass:
    """A student asks for a one-to-one class; it holds the slot until answered.

    With a teacher who prices lessons (billing.lessons) the student picks one of the priced
    lengths and either spends a lesson credit (`use_credit`) or pays: the class then waits
    with a pending payment, and the teacher hears of it once the card is authorised."""
    now = now or timezone.now()
    priced = dict(lessons.priced_lengths(teacher))
    if use_credit:
        lengths = set(lessons.credits_for(student=student, teacher=teacher).values_list("minutes", flat=True))
        if not lengths:
            raise BookingError(_("You have no lesson credit left with this teacher."))
        minutes = minutes if minutes in lengths else min(lengths)
    elif priced:
        if minutes not in priced:
            raise BookingError(_("Choose one of the lesson lengths."))
    else:
        minutes = None  # free lessons keep the teacher's own length
    if start is None:
        raise BookingError(_("Choose one of the free times."))
    if not student.is_student:
        raise BookingError(_("Only students can book classes."))
    if teacher.role != Role.TEACHER or not teacher.is_active:
        raise BookingError(_("This teacher does not take bookings."))
    if not selectors.availability_of(teacher).accepting:
        raise BookingError(_("%(name)s is not taking bookings at the moment.") % {"name": teacher.name})
    note = (note or "").strip()
    if len(note) > 1000:
        raise BookingError(_("Keep the note under 1000 characters."))
    _lock_teacher(teacher)
    slot = _check_slot(teacher=teacher, start=start, now=now, minutes=minutes)
    _check_student_free(student=student, start=slot.start, end=slot.end)
    live_class = LiveClass(
        kind=LiveClass.Kind.PRIVATE,
        teacher=teacher,
        start=slot.start,
        end=slot.end,
        capacity=1,
        status=LiveClass.Status.PENDING,
        created_at=now,
    )
    _save_holding(live_class)
    Participant.objects.create(live_class=live_class, student=student, note=note, created_at=now)
    _marketplace_changed(teacher.pk)
    events.publish(
        "class.requested",
        {"class": live_class.pk, "teacher": teacher.pk, "student": student.pk, "start": live_class.start.isoformat()},
    )
    try:
        if use_credit:
            lessons.credit_consume(student=student, teacher=teacher, minutes=minutes, live_class=live_class)
        elif priced:
            lessons.lesson_payment_prepare(live_class=live_class, student=student)
            _announce(live_class, [student.pk])
            return live_class  # the teacher hears of it once the payment is authorised
    except BillingError as exc:
        raise BookingError(str(exc)) from exc
    notify(
        user=teacher,
        kind="live",
        title=format_lazy(
            gettext_lazy("{name} asks for a class on {when}"), name=student.name, when=when_lazy(live_class, teacher)
        ),
        body=note or gettext_lazy("Approve or decline it from your dashboard."),
        url=live_class.get_absolute_url(),
    )
    _announce(live_class, [teacher.pk, student.pk])
    return live_class


def _make_meeting(live_class: LiveClass) -> None:
    try:
        provider = meeting_provider()
        meeting = provider.create(live_class)
    except MeetingError as exc:
        raise BookingError(str(exc)) from exc
    live_class.meeting_provider = meeting.provider
    live_class.meeting_id = meeting.meeting_id
    live_class.meeting_url = meeting.url


def _may_act_as_teacher(actor: User, live_class: LiveClass) -> bool:
    return actor.pk == live_class.teacher_id or actor.is_platform_staff


@transaction.atomic
def booking_approve(*, actor: User, live_class_id: int, now: datetime | None = None) -> LiveClass:
    now = now or timezone.now()
    live_class = _locked_class(live_class_id)
    if not _may_act_as_teacher(actor, live_class):
        raise BookingError(_("Only the class's teacher can approve it."))
    if live_class.status != LiveClass.Status.PENDING:
        raise BookingError(ALREADY[live_class.status])
    if live_class.start <= now:
        raise BookingError(_("This class's time has passed."))
    _make_meeting(live_class)
    try:
        lessons.lesson_capture(live_class=live_class)  # a paid request: take the held money
    except BillingError as exc:
        raise BookingError(str(exc)) from exc
    live_class.status = LiveClass.Status.CONFIRMED
    live_class.confirmed_at = now
    live_class.save()
    student_ids = _registered_ids(live_class)
    for student in User.objects.filter(pk__in=student_ids):
        notify(
            user=student,
            kind="live",
            title=format_lazy(
                gettext_lazy("{name} confirmed your class on {when}"),
                name=live_class.teacher.name,
                when=when_lazy(live_class, student),
            ),
            body=format_lazy(
                gettext_lazy(
                    "The calendar invitation is in your email; "
                    "the Join button opens {minutes} minutes before the start."
                ),
                minutes=settings.LIVE_JOIN_OPENS_MINUTES,
            ),
            url=live_class.get_absolute_url(),
            email=False,  # the invitation email below says it, with the .ics
        )
    _send_invitations(live_class, "REQUEST", [live_class.teacher_id, *student_ids])
    _marketplace_changed(live_class.teacher_id)
    events.publish(
        "class.confirmed",
        {"class": live_class.pk, "teacher": live_class.teacher_id, "start": live_class.start.isoformat()},
    )
    _announce(live_class, [live_class.teacher_id, *student_ids])
    return live_class


@transaction.atomic
def booking_reject(*, actor: User, live_class_id: int, reason: str) -> LiveClass:
    live_class = _locked_class(live_class_id)
    if not _may_act_as_teacher(actor, live_class):
        raise BookingError(_("Only the class's teacher can decline it."))
    if live_class.status != LiveClass.Status.PENDING:
        raise BookingError(ALREADY[live_class.status])
    reason = (reason or "").strip()
    if not reason:
        raise BookingError(_("Tell the student why, so they can pick another time."))
    _settle_unconfirmed(live_class)
    live_class.status = LiveClass.Status.REJECTED
    live_class.reason = reason[:1000]
    live_class.save()
    student_ids = _registered_ids(live_class)
    for student in User.objects.filter(pk__in=student_ids):
        notify(
            user=student,
            kind="live",
            title=format_lazy(
                gettext_lazy("{name} declined your class on {when}"),
                name=live_class.teacher.name,
                when=when_lazy(live_class, student),
            ),
            body=live_class.reason,
            url=live_class.get_absolute_url(),
        )
    _marketplace_changed(live_class.teacher_id)
    _announce(live_class, [live_class.teacher_id, *student_ids])
    return live_class


def _settle_unconfirmed(live_class: LiveClass) -> None:
    """A request that will not happen: the hold on the card goes, a spent credit comes back."""
    try:
        lessons.lesson_release(live_class=live_class)
        lessons.credit_return(live_class=live_class)
    except BillingError as exc:
        raise BookingError(str(exc)) from exc


@transaction.atomic
def pending_expire(*, now: datetime | None = None) -> int:
    """Requests nobody answered expire shortly before their start; the slot frees up."""
    now = now or timezone.now()
    cutoff = now + timedelta(minutes=settings.LIVE_PENDING_EXPIRES_MINUTES)
    expired = 0
    for live_class in LiveClass.objects.select_for_update().filter(status=LiveClass.Status.PENDING, start__lte=cutoff):
        _settle_unconfirmed(live_class)
        live_class.status = LiveClass.Status.EXPIRED
        live_class.reason_code = LiveClass.SystemReason.NOT_ANSWERED
        live_class.save(update_fields=["status", "reason_code", "updated_at"])
        student_ids = _registered_ids(live_class)
        for student in User.objects.filter(pk__in=student_ids):
            notify(
                user=student,
                kind="live",
                title=format_lazy(gettext_lazy("Your request for {when} expired"), when=when_lazy(live_class, student)),
                body=format_lazy(
                    gettext_lazy("{name} did not answer in time. Please pick another slot."),
                    name=live_class.teacher.name,
                ),
                url=live_class.get_absolute_url(),
            )
        notify(
            user=live_class.teacher,
            kind="live",
            title=format_lazy(
                gettext_lazy("A class request for {when} expired"), when=when_lazy(live_class, live_class.teacher)
            ),
            body=gettext_lazy("It was not answered before the start, so the slot is free again."),
            url=live_class.get_absolute_url(),
        )
        _marketplace_changed(live_class.teacher_id)
        _announce(live_class, [live_class.teacher_id, *student_ids])
        expired += 1
    return expired


# --- Cancel and reschedule -------------------------------------------------------------


def _check_policy(*, actor: User, live_class: LiveClass, now: datetime, moving: bool = False) -> None:
    if actor.is_platform_staff:
        return
    if live_class.status == LiveClass.Status.PENDING:
        return  # a request nobody accepted yet can always be withdrawn or moved
    cutoff = timedelta(hours=settings.LIVE_CANCEL_CUTOFF_HOURS)
    if live_class.start - now < cutoff:
        hours = settings.LIVE_CANCEL_CUTOFF_HOURS
        if moving:
            message = ngettext(
                "Classes cannot be moved less than %(hours)s hour before the start. "
                "If something went wrong, raise it with staff.",
                "Classes cannot be moved less than %(hours)s hours before the start. "
                "If something went wrong, raise it with staff.",
                hours,
            )
        else:
            message = ngettext(
                "Classes cannot be cancelled less than %(hours)s hour before the start. "
                "If something went wrong, raise it with staff.",
                "Classes cannot be cancelled less than %(hours)s hours before the start. "
                "If something went wrong, raise it with staff.",
                hours,
            )
        raise BookingError(message % {"hours": hours})


def _notify_change(live_class: LiveClass, actor: User, title, body) -> None:
    """Tell everyone else taking part; `title` is a lazy format string with {who} and {when}."""
    people = [live_class.teacher, *User.objects.filter(pk__in=_registered_ids(live_class))]
    for person in people:
        if person.pk == actor.pk:
            continue
        notify(
            user=person,
            kind="live",
            title=format_lazy(title, who=actor.name, when=when_lazy(live_class, person)),
            body=body,
            url=live_class.get_absolute_url(),
        )


@transaction.atomic
def class_cancel(
    *, actor: User, live_class_id: int, reason: str = "", reason_code: str = "", now: datetime | None = None
) -> LiveClass:
    """The teacher, the (one-to-one) student or staff call a class off; the slot frees up.
    `reason` is the person's words; `reason_code` a LiveClass.SystemReason (shown translated)."""
    now = now or timezone.now()
    live_class = _locked_class(live_class_id)
    is_student = live_class.is_private and actor.pk in _registered_ids(live_class)
    if not (_may_act_as_teacher(actor, live_class) or is_student):
        raise BookingError(_("You are not taking part in this class."))
    if not live_class.is_holding:
        raise BookingError(ALREADY[live_class.status])
    if live_class.end <= now:
        raise BookingError(_("This class is over."))
    _check_policy(actor=actor, live_class=live_class, now=now)
    try:
        lessons.lesson_cancel_settle(live_class=live_class, actor=actor, now=now)  # release, refund or credit back
    except BillingError as exc:
        raise BookingError(str(exc)) from exc
    was_confirmed = live_class.status == LiveClass.Status.CONFIRMED
    if was_confirmed and live_class.meeting_id:
        try:
            provider_for(live_class).delete(live_class)
        except MeetingError:
            logger.warning("Could not delete the meeting of class %s", live_class.pk, exc_info=True)
    live_class.status = LiveClass.Status.CANCELLED
    live_class.reason = (reason or "").strip()[:1000]
    live_class.reason_code = reason_code
    live_class.cancelled_by = actor
    live_class.sequence += 1
    live_class.save()
    _notify_change(
        live_class,
        actor,
        gettext_lazy("{who} cancelled the class on {when}"),
        live_class.reason_shown or gettext_lazy("The time is free again."),
    )
    everyone = [live_class.teacher_id, *_registered_ids(live_class)]
    waiting = live_class.participants.filter(status=Participant.Status.WAITLISTED).select_related("student")
    for seat in waiting:
        notify(
            user=seat.student,
            kind="live",
            title=format_lazy(
                gettext_lazy("{title} on {when} is cancelled"),
                title=display_title_lazy(live_class),
                when=when_lazy(live_class, seat.student),
            ),
            body=gettext_lazy("You were on its waitlist."),
            url=live_class.get_absolute_url(),
        )
    if was_confirmed:
        _send_invitations(live_class, "CANCEL", everyone)
    _marketplace_changed(live_class.teacher_id)
    events.publish(
        "class.cancelled",
        {
            "class": live_class.pk,
            "teacher": live_class.teacher_id,
            "start": live_class.start.isoformat(),
            "cancelled_by": actor.pk,
        },
    )
    _announce(live_class, everyone)
    return live_class


@transaction.atomic
def class_reschedule(
    *, actor: User, live_class_id: int, start: datetime | None, now: datetime | None = None
) -> LiveClass:
    """Move a class to another free slot: same UID, higher SEQUENCE, everyone told."""
    now = now or timezone.now()
    if start is None:
        raise BookingError(_("Choose one of the free times."))
    live_class = _locked_class(live_class_id)
    is_student = live_class.is_private and actor.pk in _registered_ids(live_class)
    if not (_may_act_as_teacher(actor, live_class) or is_student):
        raise BookingError(_("You are not taking part in this class."))
    if not live_class.is_holding:
        raise BookingError(ALREADY[live_class.status])
    _check_policy(actor=actor, live_class=live_class, now=now, moving=True)
    teacher = live_class.teacher
    _lock_teacher(teacher)
    if live_class.is_private:
        slot = _check_slot(teacher=teacher, start=start, now=now, exclude_id=live_class.pk, minutes=live_class.minutes)
        new_start, new_end = slot.start, slot.end
        for student_id in _registered_ids(live_class):
            _check_student_free(student=User(pk=student_id), start=new_start, end=new_end, exclude_id=live_class.pk)
    else:
        if start <= now:
            raise BookingError(_("That time has already passed."))
        new_start, new_end = start, start + live_class.duration
        if selectors.teacher_busy(teacher=teacher, start=new_start, end=new_end, exclude_id=live_class.pk):
            raise BookingError(SLOT_TAKEN)
    if new_start == live_class.start:
        raise BookingError(_("That is the class's current time."))
    old_class = LiveClass(start=live_class.start, end=live_class.end)
    live_class.start, live_class.end = new_start, new_end
    live_class.sequence += 1
    _save_holding(live_class)
    if live_class.status == LiveClass.Status.CONFIRMED and live_class.meeting_id:
        try:
            provider_for(live_class).update(live_class)
        except MeetingError as exc:
            raise BookingError(str(exc)) from exc
    # Reminders are claimed per class and kind: a moved class is reminded again.
    ReminderDelivery.objects.filter(live_class=live_class).delete()
    _notify_change(
        live_class,
        actor,
        gettext_lazy("{who} moved your class to {when}"),
        format_lazy(gettext_lazy("It was on {when}."), when=when_lazy(old_class, actor)),
    )
    everyone = [teacher.pk, *_registered_ids(live_class)]
    if live_class.status == LiveClass.Status.CONFIRMED:
        _send_invitations(live_class, "REQUEST", everyone)
    _marketplace_changed(teacher.pk)
    _announce(live_class, everyone)
    return live_class


# --- Group classes ---------------------------------------------------------------------


@transaction.atomic
def group_class_create(
    *,
    teacher: User,
    course,
    start: datetime | None,
    minutes: int,
    capacity: int,
    title: str = "",
    seat_price: int = 0,
    now: datetime | None = None,
) -> LiveClass:
    """A teacher schedules a class for one of their courses; it is confirmed at once. With a
    `seat_price` (minor units of `billing.lessons.seat_currency_for`) each place is paid for."""
    now = now or timezone.now()
    if teacher.pk not in selectors.course_teacher_ids(course):
        raise BookingError(_("You can schedule group classes only for courses you teach."))
    if start is None:
        raise BookingError(_("Give the class a start time."))
    if start <= now:
        raise BookingError(_("That time has already passed."))
    if not 15 <= minutes <= 240:
        raise BookingError(_("A class lasts between 15 and 240 minutes."))
    if not 2 <= capacity <= 500:
        raise BookingError(_("A group class has between 2 and 500 places."))
    if not 0 <= seat_price <= 10_000_000:
        raise BookingError(_("Give a place a price between 0 (free) and 100,000."))
    _lock_teacher(teacher)
    end = start + timedelta(minutes=minutes)
    if selectors.teacher_busy(teacher=teacher, start=start, end=end):
        raise BookingError(_("You already have a class at that time."))
    live_class = LiveClass(
        kind=LiveClass.Kind.GROUP,
        teacher=teacher,
        course=course,
        title=(title or "").strip()[:140] or (_("Live class: %(course)s") % {"course": course.title})[:140],
        start=start,
        end=end,
        capacity=capacity,
        seat_price=seat_price,
        seat_currency=lessons.seat_currency_for(teacher=teacher, course=course) if seat_price else "",
        status=LiveClass.Status.CONFIRMED,
        confirmed_at=now,
        created_at=now,
    )
    _make_meeting(live_class)
    _save_holding(live_class)
    _send_invitations(live_class, "REQUEST", [teacher.pk])
    _marketplace_changed(teacher.pk)
    return live_class


@transaction.atomic
def group_class_register(*, student: User, live_class_id: int, now: datetime | None = None) -> Participant:
    """An enrolled student takes a place, or a place on the waitlist when it is full.

    In a paid class the place is held while the student pays (billing.lessons: the view sends
    them to Checkout); `group_seat_paid` makes it theirs. Someone on its waitlist takes a place
    that opens up the same way, by registering again."""
    now = now or timezone.now()
    live_class = _locked_class(live_class_id)
    if live_class.kind != LiveClass.Kind.GROUP or live_class.status != LiveClass.Status.CONFIRMED:
        raise BookingError(_("This class is not open for registration."))
    if live_class.start <= now:
        raise BookingError(_("This class has already started."))
    if (
        not student.is_student
        or live_class.course is None
        or not selectors.course_enrolled(student=student, course=live_class.course)
    ):
        raise BookingError(_("Enrol in the course to join its live classes."))
    seat = live_class.participants.filter(student=student).first()
    taken = live_class.participants.filter(status__in=Participant.TAKEN).count()
    if seat and seat.status == Participant.Status.HELD:
        return seat  # still paying: the view reopens the checkout
    paid_from_waitlist = (
        seat and seat.status == Participant.Status.WAITLISTED and live_class.seat_price and taken < live_class.capacity
    )
    if seat and seat.status != Participant.Status.CANCELLED and not paid_from_waitlist:
        raise BookingError(_("You are already registered for this class."))
    _check_student_free(student=student, start=live_class.start, end=live_class.end)
    if taken >= live_class.capacity:
        status = Participant.Status.WAITLISTED
    elif live_class.seat_price:
        status = Participant.Status.HELD
    else:
        status = Participant.Status.REGISTERED
    if seat is None:
        seat = Participant(live_class=live_class, student=student)
    seat.status = status
    if not paid_from_waitlist:
        seat.created_at = now  # the waitlist is first come, first served
    seat.save()
    if status == Participant.Status.HELD:
        try:
            lessons.seat_payment_prepare(live_class=live_class, student=student)
        except BillingError as exc:
            raise BookingError(str(exc)) from exc
        return seat
    if status == Participant.Status.REGISTERED:
        _send_invitations(live_class, "REQUEST", [student.pk])
    _announce(live_class, [student.pk])
    return seat


@transaction.atomic
def group_seat_paid(
    *,
    payment_id: int,
    amount: int,
    currency: str,
    customer_id: str,
    payment_intent_id: str,
    now: datetime | None = None,
) -> Participant | None:
    """Checkout authorised the price of a place held in a group class: the money is taken and
    the place is the student's. If the place is no longer held (the class was called off or
    has started, the checkout outlived the hold), the hold on the card goes instead."""
    now = now or timezone.now()
    paid_for = (
        Payment.objects.filter(pk=payment_id, kind=Payment.Kind.LESSON).values("live_class_id", "user_id").first()
    )
    if paid_for is None or paid_for["live_class_id"] is None:
        raise EventRejected(f"No lesson payment #{payment_id} here.")
    live_class = _locked_class(paid_for["live_class_id"])
    student_id = paid_for["user_id"]
    seat = live_class.participants.select_for_update().filter(student_id=student_id).first()
    held = (
        seat is not None
        and seat.status == Participant.Status.HELD
        and live_class.status == LiveClass.Status.CONFIRMED
        and live_class.start > now
    )
    payment = lessons.seat_authorised(
        payment_id=payment_id,
        amount=amount,
        currency=currency,
        customer_id=customer_id,
        payment_intent_id=payment_intent_id,
        place_held=held,
    )
    if not held or payment.status != Payment.Status.SUCCEEDED:
        if seat is not None and seat.status == Participant.Status.HELD and not held:
            seat.status = Participant.Status.CANCELLED  # the class was called off or has begun
            seat.save(update_fields=["status"])
        return seat
    seat.status = Participant.Status.REGISTERED
    seat.save(update_fields=["status"])
    notify(
        user=seat.student,
        kind="live",
        title=format_lazy(gettext_lazy("You have a place in {title}"), title=display_title_lazy(live_class)),
        body=format_lazy(
            gettext_lazy("On {when}. The invitation is in your email."), when=when_lazy(live_class, seat.student)
        ),
        url=live_class.get_absolute_url(),
        email=False,  # the invitation email says it, with the .ics
    )
    _send_invitations(live_class, "REQUEST", [student_id])
    _announce(live_class, [student_id, live_class.teacher_id])
    return seat


@transaction.atomic
def group_registration_cancel(*, student: User, live_class_id: int, now: datetime | None = None) -> Participant:
    """A student gives up their place (or leaves the waitlist); the waitlist moves up."""
    now = now or timezone.now()
    live_class = _locked_class(live_class_id)
    seat = live_class.participants.filter(student=student).exclude(status=Participant.Status.CANCELLED).first()
    if seat is None:
        raise BookingError(_("You are not registered for this class."))
    had_place = seat.status == Participant.Status.REGISTERED
    if had_place:
        _check_policy(actor=student, live_class=live_class, now=now)
    try:  # a paid place: the hold goes, or a refund by the cancellation policy
        lessons.lesson_cancel_settle(live_class=live_class, actor=student, now=now, student_id=student.pk)
    except BillingError as exc:
        raise BookingError(str(exc)) from exc
    seat.status = Participant.Status.CANCELLED
    seat.save(update_fields=["status"])
    if had_place:
        _send_invitations(live_class, "CANCEL", [student.pk])
        next_seat = (
            live_class.participants.select_for_update()
            .filter(status=Participant.Status.WAITLISTED)
            .order_by("created_at", "id")
            .first()
        )
        if next_seat is not None and live_class.start > now and live_class.seat_price:
            # A paid place is not given without paying: the first in line is told it is free to take.
            notify(
                user=next_seat.student,
                kind="live",
                title=format_lazy(gettext_lazy("A place opened up in {title}"), title=display_title_lazy(live_class)),
                body=gettext_lazy("Pay for it from the course page to take it; the first to pay has it."),
                url=live_class.course.url if live_class.course_id else live_class.get_absolute_url(),
            )
            _announce(live_class, [next_seat.student_id])
        elif next_seat is not None and live_class.start > now:
            next_seat.status = Participant.Status.REGISTERED
            next_seat.save(update_fields=["status"])
            notify(
                user=next_seat.student,
                kind="live",
                title=format_lazy(
                    gettext_lazy("A place opened up: you are in {title}"), title=display_title_lazy(live_class)
                ),
                body=format_lazy(
                    gettext_lazy("On {when}. The invitation is in your email."),
                    when=when_lazy(live_class, next_seat.student),
                ),
                url=live_class.get_absolute_url(),
                email=False,  # the invitation email says it, with the .ics
            )
            _send_invitations(live_class, "REQUEST", [next_seat.student_id])
            _announce(live_class, [next_seat.student_id])
    _announce(live_class, [student.pk])
    return seat


# --- During and after a class ----------------------------------------------------------


@transaction.atomic
def join_record(*, user: User, live_class_id: int, now: datetime | None = None) -> str:
    """A participant presses Join: record it and give them their meeting URL."""
    now = now or timezone.now()
    try:
        live_class = LiveClass.objects.select_related("teacher").get(pk=live_class_id)
    except LiveClass.DoesNotExist:
        raise BookingError(_("That class does not exist.")) from None
    if not selectors.is_participant(user=user, live_class=live_class):
        raise BookingError(_("Only the class's participants can join it."))
    if live_class.status != LiveClass.Status.CONFIRMED or not live_class.meeting_url:
        raise BookingError(_("This class is not confirmed."))
    if now < live_class.join_opens_at():
        raise BookingError(
            _("Join opens %(minutes)s minutes before the start.") % {"minutes": settings.LIVE_JOIN_OPENS_MINUTES}
        )
    if now >= live_class.end:
        raise BookingError(_("This class is over."))
    JoinClick.objects.create(live_class=live_class, user=user, clicked_at=now)
    try:
        return provider_for(live_class).join_url(live_class, user)
    except MeetingError as exc:
        raise BookingError(str(exc)) from exc


@transaction.atomic
def attendance_mark(
    *, actor: User, live_class_id: int, student_id: int, attendance: str, now: datetime | None = None
) -> Participant:
    now = now or timezone.now()
    live_class = _locked_class(live_class_id)
    if not _may_act_as_teacher(actor, live_class):
        raise BookingError(_("Only the class's teacher marks attendance."))
    if live_class.status != LiveClass.Status.CONFIRMED or now < live_class.start:
        raise BookingError(_("Attendance can be marked once a confirmed class has started."))
    if attendance not in Participant.Attendance.values:
        raise BookingError(_("Choose attended or no-show."))
    seat = live_class.participants.filter(student_id=student_id, status=Participant.Status.REGISTERED).first()
    if seat is None:
        raise BookingError(_("That student is not in this class."))
    seat.attendance = attendance
    seat.save(update_fields=["attendance"])
    # Paid lessons and places: the teacher's earnings for this student become payable.
    lessons.attendance_recorded(live_class=live_class, student_id=student_id, attendance=attendance)
    _marketplace_changed(live_class.teacher_id)
    return seat


@transaction.atomic
def recording_set(*, actor: User, live_class_id: int, url: str, now: datetime | None = None) -> LiveClass:
    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    now = now or timezone.now()
    live_class = _locked_class(live_class_id)
    if not _may_act_as_teacher(actor, live_class):
        raise BookingError(_("Only the class's teacher adds the recording."))
    if live_class.status != LiveClass.Status.CONFIRMED or now < live_class.start:
        raise BookingError(_("A recording can be added once a confirmed class has started."))
    url = (url or "").strip()
    if url:
        try:
            URLValidator(schemes=["https", "http"])(url)
        except ValidationError:
            raise BookingError(_("Enter a full web address starting with https://.")) from None
    live_class.recording_url = url
    live_class.save(update_fields=["recording_url", "updated_at"])
    if url:
        for student in User.objects.filter(pk__in=_registered_ids(live_class)):
            notify(
                user=student,
                kind="live",
                title=format_lazy(
                    gettext_lazy("The recording of {title} is available"), title=display_title_lazy(live_class)
                ),
                url=live_class.get_absolute_url(),
            )
    return live_class


@transaction.atomic
def dispute_raise(*, user: User, live_class_id: int, reason: str) -> Dispute:
    """A participant raises a scheduling conflict to staff (queue in Django admin)."""
    live_class = _locked_class(live_class_id)
    if not selectors.is_participant(user=user, live_class=live_class):
        raise BookingError(_("Only the class's participants can raise a dispute about it."))
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise BookingError(_("Describe the problem in a sentence or two."))
    if live_class.disputes.filter(raised_by=user, status=Dispute.Status.OPEN).exists():
        raise BookingError(_("You already have an open dispute about this class; staff will be in touch."))
    dispute = Dispute.objects.create(live_class=live_class, raised_by=user, reason=reason[:4000])
    notify_staff(
        kind="live",
        title=format_lazy(gettext_lazy("Scheduling dispute raised by {name}"), name=user.name),
        body=reason[:300],
        about=dispute,
    )
    return dispute


@transaction.atomic
def dispute_close(*, actor: User, dispute_id: int, status: str, resolution: str) -> Dispute:
    if not actor.is_platform_staff:
        raise BookingError(_("Only staff close disputes."))
    dispute = Dispute.objects.select_for_update().select_related("live_class", "raised_by").get(pk=dispute_id)
    if dispute.status != Dispute.Status.OPEN:
        raise BookingError(_("This dispute is already closed."))
    if status not in (Dispute.Status.RESOLVED, Dispute.Status.DISMISSED):
        raise BookingError(_("Resolve or dismiss the dispute."))
    dispute.status = status
    dispute.resolution = resolution.strip()
    dispute.resolved_at = timezone.now()
    dispute.save()
    notify(
        user=dispute.raised_by,
        kind="live",
        title=DISPUTE_CLOSED[dispute.status],
        body=dispute.resolution,
        url=dispute.live_class.get_absolute_url(),
    )
    return dispute


# --- Preferences, calendar feed, reminders ---------------------------------------------


def live_preferences_ensure(*, user: User) -> LivePreferences:
    preferences, _created = LivePreferences.objects.get_or_create(user=user)
    return preferences


@transaction.atomic
def live_preferences_update(*, user: User, remind_24h: bool, remind_1h: bool) -> LivePreferences:
    preferences = live_preferences_ensure(user=user)
    preferences.remind_24h = remind_24h
    preferences.remind_1h = remind_1h
    preferences.save(update_fields=["remind_24h", "remind_1h"])
    return preferences


@transaction.atomic
def feed_token_rotate(*, user: User) -> LivePreferences:
    """A new secret feed URL; the old one stops working at once."""
    from live.models import _new_feed_token

    preferences = live_preferences_ensure(user=user)
    preferences.feed_token = _new_feed_token()
    preferences.save(update_fields=["feed_token"])
    return preferences


REMINDERS = {
    ReminderDelivery.Kind.DAY: (timedelta(hours=24), "remind_24h", gettext_lazy("Reminder: {title} tomorrow")),
    ReminderDelivery.Kind.HOUR: (timedelta(hours=1), "remind_1h", gettext_lazy("Reminder: {title} in one hour")),
}


def reminders_send(*, now: datetime | None = None) -> int:
    """Send the 24 h and 1 h reminders that are due, each exactly once.

    Each reminder is claimed by a unique (class, person, kind) row in the same
    transaction as its notification: a second run — another worker, or the same one
    after a restart — finds the claim and skips it; a run that dies before committing
    leaves no claim, so the next run sends it.
    """
    now = now or timezone.now()
    sent = 0
    classes = LiveClass.objects.filter(
        status=LiveClass.Status.CONFIRMED, start__gt=now, start__lte=now + timedelta(hours=24)
    ).select_related("teacher")
    for live_class in classes:
        people = [live_class.teacher, *User.objects.filter(pk__in=_registered_ids(live_class))]
        for kind, (ahead, preference, title) in REMINDERS.items():
            if not live_class.start - ahead <= now:
                continue
            if kind == ReminderDelivery.Kind.DAY and live_class.start - now <= timedelta(hours=1):
                continue  # the 1 h reminder covers it
            if live_class.confirmed_at and live_class.confirmed_at > live_class.start - ahead:
                continue  # confirmed after the reminder time: the confirmation was the reminder
            for person in people:
                if not getattr(live_preferences_ensure(user=person), preference):
                    continue
                with transaction.atomic():
                    _delivery, claimed = ReminderDelivery.objects.get_or_create(
                        live_class=live_class, user=person, kind=kind
                    )
                    if not claimed:
                        continue
                    notify(
                        user=person,
                        kind="reminder",
                        title=format_lazy(title, title=title_for_lazy(live_class=live_class, viewer=person)),
                        body=format_lazy(
                            gettext_lazy("It starts {when}. Join opens {minutes} minutes before."),
                            when=when_lazy(live_class, person),
                            minutes=settings.LIVE_JOIN_OPENS_MINUTES,
                        ),
                        url=live_class.get_absolute_url(),
                    )
                    sent += 1
    return sent
