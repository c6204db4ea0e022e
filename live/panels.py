"""What the live app puts into the core's shared pages (see lms/infra/panels.py), and the
booking widget's context, which the teacher's profile and the widget's own views share."""

from datetime import datetime, timedelta
from datetime import time as dt_time

from django.utils import timezone

from billing import lessons
from live import selectors
from live.slots import group_by_local_day
from lms.models import Role

WIDGET_DAYS = 7


def lesson_offer(request, *, teacher, minutes: int | None = None) -> dict:
    """What a teacher who prices lessons offers the viewer: lengths and prices, the viewer's
    credits, the trial and packages, and the cancellation policy (shown before paying)."""
    priced = lessons.priced_lengths(teacher)
    if not priced:
        return {"paid": False, "minutes": None}
    tutor = lessons.tutor_of(teacher)
    student = request.user if request.user.is_authenticated and request.user.is_student else None
    credits = list(lessons.credits_for(student=student, teacher=teacher)) if student else []
    credit_left = {}
    for credit in credits:
        credit_left[credit.minutes] = credit_left.get(credit.minutes, 0) + credit.remaining
    prices = dict(priced)
    lengths = [(m, prices.get(m)) for m in sorted(set(prices) | set(credit_left))]
    if minutes not in dict(lengths):
        minutes = min(credit_left) if credit_left else priced[0][0]
    packages = [(package, package.price()) for package in tutor.packages.all() if package.price()]
    return {
        "paid": True,
        "lengths": lengths,
        "minutes": minutes,
        "price": prices.get(minutes),
        "currency": tutor.currency,
        "credits_left": credit_left.get(minutes, 0),
        "policy": lessons.policy(),
        "trial": tutor.trial_price is not None
        and not (student and lessons.has_trial(student=student, teacher=teacher)),
        "trial_price": tutor.trial_price,
        "trial_minutes": tutor.trial_minutes,
        "packages": packages,
    }


def booking_widget_context(
    request, *, teacher, week: int = 0, error: str = "", booked=None, note: str = "", minutes: int | None = None
) -> dict:
    """What the booking widget shows: a week of free slots in the viewer's zone (of the
    chosen length, for a teacher who prices lessons)."""
    zone = timezone.get_current_timezone()
    availability = selectors.availability_of(teacher)
    offer = lesson_offer(request, teacher=teacher, minutes=minutes)
    first_day = timezone.localdate() + timedelta(days=week * WIDGET_DAYS)
    start = datetime.combine(first_day, dt_time(0), tzinfo=zone)
    end = datetime.combine(first_day + timedelta(days=WIDGET_DAYS), dt_time(0), tzinfo=zone)
    slots = (
        selectors.teacher_free_slots(teacher=teacher, start=start, end=end, minutes=offer["minutes"])
        if availability.accepting
        else []
    )
    horizon_weeks = availability.max_days_ahead // WIDGET_DAYS
    return {
        "teacher": teacher,
        "teacher_slug": teacher.teacher_profile.slug,
        "availability": availability,
        "days": group_by_local_day(slots, zone),
        "week": week,
        "first_day": first_day,
        "last_day": first_day + timedelta(days=WIDGET_DAYS - 1),
        "has_later": week < horizon_weeks,
        "viewer_zone": zone.key if hasattr(zone, "key") else str(zone),
        "can_book": request.user.is_authenticated and request.user.is_student,
        "error": error,
        "booked": booked,
        "note": note,
        "offer": offer,
    }


def teacher_profile(request, *, teacher):
    if teacher.role != Role.TEACHER or not selectors.availability_of(teacher).pk:
        return None  # a teacher who never set availability shows no booking box
    return booking_widget_context(request, teacher=teacher)


def student_dashboard(request):
    if not request.user.is_student:
        return None
    upcoming = selectors.upcoming_for(user=request.user)[:5]
    return {"cards": selectors.cards_for(user=request.user, classes=upcoming)}


def teacher_dashboard(request):
    if not request.user.is_teacher:
        return None
    upcoming = selectors.upcoming_for(user=request.user)[:5]
    return {
        "pending": selectors.pending_requests_for(teacher=request.user),
        "cards": selectors.cards_for(user=request.user, classes=upcoming),
    }


def nav(request):
    user = request.user
    if not user.is_authenticated:
        return None
    return {"live_pending": selectors.pending_count(teacher=user) if user.is_teacher else 0}


def course_page(request, *, course):
    user = request.user
    classes = selectors.group_classes_for_course(course=course)
    seats = {}
    if user.is_authenticated:
        from live.models import Participant

        seats = {p.live_class_id: p for p in Participant.objects.filter(student=user, live_class__in=classes)}
    can_schedule = False
    if user.is_authenticated and user.is_teacher:
        can_schedule = user.pk in selectors.course_teacher_ids(course)
    bookable = [
        teacher
        for teacher in selectors.course_teachers(course)
        if selectors.availability_of(teacher).pk and selectors.availability_of(teacher).accepting
    ]
    if not classes and not can_schedule and not bookable:
        return None
    return {
        "group_classes": [{"live_class": c, "seat": seats.get(c.pk)} for c in classes],
        # Paid places show the cancellation policy before paying.
        "policy": lessons.policy() if any(c.seat_price for c in classes) else None,
        "can_schedule": can_schedule,
        "bookable_teachers": bookable,
    }


def home_classes(request, *, count: int = 3, heading: str = "") -> dict | None:
    """The home page's next group classes; nothing when none is scheduled."""
    classes = selectors.upcoming_group_classes(limit=count)
    if not classes:
        return None
    return {
        "heading": heading,
        "classes": [{"live_class": c, "places_left": max(c.capacity - c.registered, 0)} for c in classes],
    }
