"""Reads of the live app: free slots, who may see what, dashboards and analytics."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from live.models import Availability, DateException, LiveClass, Participant, WeeklyHours
from live.slots import Rules, Slot, free_slots
from lms.models import Role, TeacherProfile


def user_zone(user) -> ZoneInfo:
    try:
        return ZoneInfo(user.time_zone or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def availability_of(teacher) -> Availability:
    """The teacher's rules (unsaved defaults when they have never set any)."""
    try:
        return teacher.availability
    except Availability.DoesNotExist:
        return Availability(teacher=teacher, accepting=False)


def teacher_rules(teacher, minutes: int | None = None) -> Rules:
    """The teacher's booking rules; `minutes` asks for slots of another length (a priced lesson)."""
    availability = availability_of(teacher)
    return Rules(
        zone=user_zone(teacher),
        class_minutes=minutes or availability.class_minutes,
        buffer_minutes=availability.buffer_minutes,
        min_notice_hours=availability.min_notice_hours,
        max_days_ahead=availability.max_days_ahead,
    )


def teacher_busy(*, teacher, start: datetime, end: datetime, exclude_id: int | None = None) -> list:
    classes = LiveClass.objects.active().filter(teacher=teacher, start__lt=end, end__gt=start)
    if exclude_id:
        classes = classes.exclude(pk=exclude_id)
    return list(classes.values_list("start", "end"))


def teacher_free_slots(
    *,
    teacher,
    now: datetime | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    ignore_busy: bool = False,
    exclude_id: int | None = None,
    minutes: int | None = None,
) -> list[Slot]:
    """The teacher's bookable slots (UTC) in [start, end) within their booking horizon."""
    availability = availability_of(teacher)
    if not availability.accepting:
        return []
    now = now or timezone.now()
    rules = teacher_rules(teacher, minutes)
    horizon_end = now + timedelta(days=rules.max_days_ahead)
    exceptions: dict[date, list] = {}
    for row in DateException.objects.filter(teacher=teacher):
        exceptions.setdefault(row.date, []).append((row.start_time, row.end_time))
    weekly = WeeklyHours.objects.filter(teacher=teacher).values_list("weekday", "start_time", "end_time")
    busy = (
        []
        if ignore_busy
        else teacher_busy(
            teacher=teacher,
            start=(start or now) - timedelta(days=1),
            end=(end or horizon_end) + timedelta(days=1),
            exclude_id=exclude_id,
        )
    )
    return free_slots(rules=rules, weekly=weekly, exceptions=exceptions, busy=busy, now=now, start=start, end=end)


def is_participant(*, user, live_class: LiveClass) -> bool:
    """The teacher, or a student registered (not waitlisted) in the class."""
    if not user.is_authenticated:
        return False
    if live_class.teacher_id == user.pk:
        return True
    return live_class.participants.filter(student=user, status=Participant.Status.REGISTERED).exists()


def can_view_class(*, user, live_class: LiveClass) -> bool:
    """Participants, waitlisted students and staff may open a class's page (staff never get the link)."""
    if not user.is_authenticated:
        return False
    if user.is_platform_staff or is_participant(user=user, live_class=live_class):
        return True
    return live_class.participants.filter(student=user).exclude(status=Participant.Status.CANCELLED).exists()


def classes_for(*, user) -> QuerySet[LiveClass]:
    """Every class the user teaches or has a seat (or a pending request) in."""
    return (
        LiveClass.objects.filter(
            Q(teacher=user)
            | Q(
                participants__student=user,
                participants__status__in=[Participant.Status.REGISTERED, Participant.Status.WAITLISTED],
            )
        )
        .distinct()
        .select_related("teacher")  # class lists never show the course (a join of its whole page)
        .prefetch_related("participants__student")
    )


def upcoming_for(*, user, now: datetime | None = None) -> QuerySet[LiveClass]:
    now = now or timezone.now()
    return classes_for(user=user).filter(status__in=LiveClass.HOLDING, end__gt=now).order_by("start")


def past_for(*, user, now: datetime | None = None) -> QuerySet[LiveClass]:
    now = now or timezone.now()
    return classes_for(user=user).filter(end__lte=now).exclude(status=LiveClass.Status.PENDING).order_by("-start")


def closed_for(*, user, now: datetime | None = None) -> QuerySet[LiveClass]:
    """Upcoming requests that will not happen (declined, cancelled, expired)."""
    now = now or timezone.now()
    return classes_for(user=user).filter(end__gt=now).exclude(status__in=LiveClass.HOLDING).order_by("start")


# A paid request whose checkout is still open is not the teacher's to answer yet.
_AWAITING_PAYMENT = Q(payments__kind="lesson", payments__status="pending")


def pending_requests_for(*, teacher) -> QuerySet[LiveClass]:
    return (
        LiveClass.objects.filter(teacher=teacher, status=LiveClass.Status.PENDING, start__gt=timezone.now())
        .exclude(_AWAITING_PAYMENT)
        .select_related("teacher")
        .prefetch_related("participants__student")
        .order_by("start")
    )


def pending_count(*, teacher) -> int:
    return (
        LiveClass.objects.filter(teacher=teacher, status=LiveClass.Status.PENDING, start__gt=timezone.now())
        .exclude(_AWAITING_PAYMENT)
        .count()
    )


def feed_classes_for(*, user) -> QuerySet[LiveClass]:
    """What a calendar feed lists: the user's classes from 30 days back, cancelled ones marked."""
    since = timezone.now() - timedelta(days=30)
    return (
        LiveClass.objects.filter(
            Q(teacher=user) | Q(participants__student=user, participants__status=Participant.Status.REGISTERED)
        )
        .distinct()
        .filter(end__gte=since)
        .exclude(status=LiveClass.Status.REJECTED)
        .select_related("teacher")
        .prefetch_related("participants__student")
        .order_by("start")
    )


def teacher_analytics(*, teacher, now: datetime | None = None) -> dict:
    """Classes held, hours taught and the no-show rate over the teacher's past classes."""
    now = now or timezone.now()
    held = LiveClass.objects.filter(teacher=teacher, status=LiveClass.Status.CONFIRMED, end__lte=now)
    seconds = sum((c.end - c.start).total_seconds() for c in held.only("start", "end"))
    marks = Participant.objects.filter(
        live_class__in=held, status=Participant.Status.REGISTERED, attendance__in=["attended", "no_show"]
    ).aggregate(marked=Count("id"), no_show=Count("id", filter=Q(attendance="no_show")))
    marked = marks["marked"] or 0
    return {
        "classes_held": held.count(),
        "hours_taught": round(seconds / 3600, 1),
        "no_show_rate": round(100 * (marks["no_show"] or 0) / marked) if marked else None,
        "marked": marked,
    }


def group_classes_for_course(*, course, now: datetime | None = None) -> QuerySet[LiveClass]:
    now = now or timezone.now()
    return (
        LiveClass.objects.filter(
            course=course, kind=LiveClass.Kind.GROUP, status=LiveClass.Status.CONFIRMED, end__gt=now
        )
        .annotate(
            registered=Count("participants", filter=Q(participants__status__in=Participant.TAKEN)),
            waitlisted=Count("participants", filter=Q(participants__status=Participant.Status.WAITLISTED)),
        )
        .select_related("teacher")
        .order_by("start")
    )


def upcoming_group_classes(*, limit: int, now: datetime | None = None) -> list[LiveClass]:
    """The next `limit` confirmed group classes of published courses, soonest first, with
    their places taken (the home page's section; one query)."""
    now = now or timezone.now()
    return list(
        LiveClass.objects.filter(
            kind=LiveClass.Kind.GROUP, status=LiveClass.Status.CONFIRMED, start__gt=now, course__live=True
        )
        .annotate(registered=Count("participants", filter=Q(participants__status__in=Participant.TAKEN)))
        .select_related("teacher", "course")
        .order_by("start", "pk")[:limit]
    )


def seat_of(*, user, live_class: LiveClass) -> Participant | None:
    if not user.is_authenticated:
        return None
    return live_class.participants.filter(student=user).first()


def class_title_for(*, live_class: LiveClass, viewer) -> str:
    """The class's name as this viewer should read it: its own title if it has one; else the
    teacher sees who the class is with (its students), and everyone else sees the teacher.
    Reads `participants` through `.all()`, so a list prefetched with `participants__student`
    (as `classes_for` does) costs no query per class."""
    if live_class.title:
        return live_class.title
    if viewer is None or getattr(viewer, "pk", None) != live_class.teacher_id:
        return live_class.display_title
    seats = [p for p in live_class.participants.all() if p.status != Participant.Status.CANCELLED]
    names = [p.student.name for p in seats] or [p.student.name for p in live_class.participants.all()]
    if not names:
        return _("Live class")
    if len(names) > 3:
        others = len(names) - 1
        return ngettext(
            "Live class with %(name)s and %(count)s other", "Live class with %(name)s and %(count)s others", others
        ) % {"name": names[0], "count": others}
    return _("Live class with %(names)s") % {"names": get_text_list(names, _("and"))}


def cards_for(*, user, classes, now: datetime | None = None) -> list[dict]:
    """Each class with what this user may see of it (link, Join) for the class card."""
    now = now or timezone.now()
    cards = []
    for live_class in classes:
        participant = live_class.teacher_id == user.pk or any(
            p.student_id == user.pk and p.status == Participant.Status.REGISTERED for p in live_class.participants.all()
        )
        confirmed = live_class.status == LiveClass.Status.CONFIRMED
        cards.append(
            {
                "live_class": live_class,
                "is_participant": participant,
                "show_link": participant and confirmed and not live_class.has_ended(now),
                "can_join": participant and live_class.can_join_now(now),
            }
        )
    return cards


def course_teachers(course) -> list:
    """The course's teachers (courses.CoursePage.teacher_users), or its owner for any other page."""
    specific = course.specific
    if hasattr(specific, "teacher_users"):
        return [u for u in specific.teacher_users() if u.role == "teacher" and u.is_active]
    return [course.owner] if course.owner_id else []


def course_teacher_ids(course) -> set[int]:
    return {u.pk for u in course_teachers(course)}


def course_enrolled(*, student, course) -> bool:
    try:
        from courses.selectors import course_access
    except ImportError:  # the courses app is not there yet
        return False
    return bool(course_access(user=student, course=course.specific))


def bookable_teacher(slug: str):
    """The active teacher whose public page is /teachers/<slug>/, or 404 (the booking page's
    and the API's lookup)."""
    profile = get_object_or_404(TeacherProfile.objects.select_related("user"), slug=slug, user__role=Role.TEACHER)
    if not profile.user.is_active:
        raise Http404(_("No such teacher."))
    return profile.user
