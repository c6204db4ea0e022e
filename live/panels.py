"""What the live app puts into the core's shared pages (see lms/infra/panels.py), and the
booking widget's context, which the teacher's profile and the widget's own views share."""

from datetime import datetime, timedelta
from datetime import time as dt_time

from django.utils import timezone

from live import selectors
from live.slots import group_by_local_day
from lms.models import Role

WIDGET_DAYS = 7


def booking_widget_context(request, *, teacher, week: int = 0, error: str = "", booked=None, note: str = "") -> dict:
    """What the booking widget shows: a week of free slots in the viewer's zone."""
    zone = timezone.get_current_timezone()
    availability = selectors.availability_of(teacher)
    first_day = timezone.localdate() + timedelta(days=week * WIDGET_DAYS)
    start = datetime.combine(first_day, dt_time(0), tzinfo=zone)
    end = datetime.combine(first_day + timedelta(days=WIDGET_DAYS), dt_time(0), tzinfo=zone)
    slots = selectors.teacher_free_slots(teacher=teacher, start=start, end=end) if availability.accepting else []
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
        "can_schedule": can_schedule,
        "bookable_teachers": bookable,
    }
