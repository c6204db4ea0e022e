"""What the live app puts into the core's shared pages (see lms/panels.py)."""

from live import selectors
from lms.models import Role


def teacher_profile(request, *, teacher):
    from live.views import booking_widget_context

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
