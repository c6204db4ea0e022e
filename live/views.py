"""Pages and HTMX fragments of the live app. Thin: parse, call a service, render.

Every POST works as a plain form post too (redirect with a message); with HTMX the
same view renders the fragment named after `#` in the template.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from billing import lessons
from billing.exceptions import BillingError
from billing.money import to_minor
from live import selectors, services
from live.calendar import feed_ics, invitation_ics
from live.forms import AvailabilityForm, DateExceptionForm, GroupClassForm, PreferencesForm, WeeklyHoursForm
from live.models import LiveClass, LivePreferences, Participant
from live.panels import booking_widget_context, nav
from live.services import BookingError
from live.slots import group_by_local_day, parse_slot_key
from lms.decorators import htmx_fragment, role_required
from lms.i18n import recipient_language
from lms.models import Role

MAX_WEEKS = 53


# --- Booking widget (on the teacher's profile) ------------------------------------------


def _week(request) -> int:
    try:
        return min(max(int(request.GET.get("week", request.POST.get("week", 0))), 0), MAX_WEEKS)
    except (TypeError, ValueError):
        return 0


def _minutes(request) -> int | None:
    try:
        return int(request.GET.get("minutes", request.POST.get("minutes", "")))
    except (TypeError, ValueError):
        return None


@require_GET
def booking_widget(request, slug: str):
    teacher = selectors.bookable_teacher(slug)
    context = booking_widget_context(request, teacher=teacher, week=_week(request), minutes=_minutes(request))
    template = "live/booking_page.html#widget" if request.htmx else "live/booking_page.html"
    return render(request, template, context)


@role_required(Role.STUDENT)
@require_POST
def booking_request(request, slug: str):
    teacher = selectors.bookable_teacher(slug)
    week = _week(request)
    note = request.POST.get("note", "")
    minutes = _minutes(request)
    try:
        live_class = services.booking_request(
            student=request.user,
            teacher=teacher,
            start=parse_slot_key(request.POST.get("slot", "")),
            note=note,
            minutes=minutes,
            use_credit=request.POST.get("pay") == "credit",
        )
        # A paid request: on to Checkout, which only authorises the price.
        checkout_url = lessons.lesson_checkout_url(live_class, base_url=request.build_absolute_uri("/").rstrip("/"))
    except (BookingError, BillingError) as exc:
        if not request.htmx:
            messages.error(request, str(exc))
            return redirect(f"{request.path.removesuffix('book/')}?week={week}&minutes={minutes or ''}")
        context = booking_widget_context(
            request, teacher=teacher, week=week, error=str(exc), note=note, minutes=minutes
        )
        return render(request, "live/booking_page.html#widget", context, status=422)
    if checkout_url:
        return HttpResponseClientRedirect(checkout_url) if request.htmx else redirect(checkout_url)
    if not request.htmx:
        messages.success(request, _("Request sent. %(name)s will confirm or decline it.") % {"name": teacher.name})
        return redirect(live_class)
    context = booking_widget_context(request, teacher=teacher, week=week, booked=live_class)
    return render(request, "live/booking_page.html#widget", context)


# --- My classes ------------------------------------------------------------------------


@login_required
def my_classes(request):
    user = request.user
    upcoming = selectors.upcoming_for(user=user)
    context = {
        "upcoming_cards": selectors.cards_for(user=user, classes=upcoming),
        "closed": selectors.closed_for(user=user)[:10],
        "past": selectors.past_for(user=user)[:50],
        "pending": selectors.pending_requests_for(teacher=user) if user.is_teacher else None,
        "analytics": selectors.teacher_analytics(teacher=user) if user.is_teacher else None,
        "now": timezone.now(),
    }
    if request.htmx and request.GET.get("fragment") == "pending" and user.is_teacher:
        return render(request, "live/my_classes.html#pending", context)
    if request.htmx and request.GET.get("fragment") == "upcoming":
        return render(request, "live/my_classes.html#upcoming", context)
    return render(request, "live/my_classes.html", context)


@role_required(Role.TEACHER)
@require_GET
@htmx_fragment("live:my_classes")
def pending_requests(request):
    """The teacher's pending requests (the dashboard panel refreshes it live)."""
    return render(
        request, "live/panels/_pending.html", {"pending": selectors.pending_requests_for(teacher=request.user)}
    )


@login_required
@require_GET
@htmx_fragment("live:my_classes")
def upcoming_panel(request):
    """The signed-in user's upcoming classes (the dashboard panel refreshes it live)."""
    upcoming = selectors.upcoming_for(user=request.user)[:5]
    return render(
        request, "live/panels/_upcoming.html", {"cards": selectors.cards_for(user=request.user, classes=upcoming)}
    )


@login_required
@require_GET
@htmx_fragment("live:my_classes")
def nav_badge(request):
    """The navigation link with the teacher's pending-request count (refreshed live)."""
    return render(request, "live/panels/nav.html", nav(request))


# --- One class -------------------------------------------------------------------------


def _visible_class(request, class_id: int) -> LiveClass:
    live_class = get_object_or_404(LiveClass.objects.select_related("teacher", "course"), pk=class_id)
    if not selectors.can_view_class(user=request.user, live_class=live_class):
        raise PermissionDenied(_("This class is visible only to its participants."))
    return live_class


def class_context(request, live_class: LiveClass, **extra) -> dict:
    user = request.user
    participant = selectors.is_participant(user=user, live_class=live_class)
    is_teacher = live_class.teacher_id == user.pk
    now = timezone.now()
    seats = list(live_class.participants.select_related("student").exclude(status=Participant.Status.CANCELLED))
    joined = set(live_class.join_clicks.values_list("user_id", flat=True)) if is_teacher else set()
    for seat in seats:
        seat.joined = seat.student_id in joined
    return {
        "live_class": live_class,
        "is_participant": participant,
        "is_class_teacher": is_teacher,
        "can_act_as_teacher": is_teacher or user.is_platform_staff,
        # Only participants ever get the meeting link (staff see the class, not the link).
        "show_link": participant and live_class.status == LiveClass.Status.CONFIRMED and not live_class.has_ended(now),
        "can_join": participant and live_class.can_join_now(now),
        "seat": next((s for s in seats if s.student_id == user.pk), None),
        "seats": seats if (is_teacher or user.is_platform_staff or live_class.kind != "group") else [],
        "registered": [s for s in seats if s.status == Participant.Status.REGISTERED],
        "now": now,
        "has_started": live_class.has_started(now),
        "reschedule_days": None,
        "cancel_cutoff_hours": settings.LIVE_CANCEL_CUTOFF_HOURS,
        "lesson": lessons.class_money(live_class=live_class, user=user),
        **extra,
    }


@login_required
@require_GET
def class_detail(request, class_id: int):
    live_class = _visible_class(request, class_id)
    context = class_context(request, live_class)
    if request.htmx:
        return render(request, "live/class_detail.html#class-panel", context)
    return render(request, "live/class_detail.html", context)


@login_required
@require_GET
@htmx_fragment("live:class_detail")
def class_card(request, class_id: int):
    """One class as a card (lists refresh it live when its status changes)."""
    live_class = _visible_class(request, class_id)
    return render(request, "live/_class_card.html", class_context(request, live_class))


def _after_action(request, class_id: int, *, success: str = "", error: str = ""):
    """The class panel (HTMX) or a redirect to the class page with a message."""
    if request.htmx:
        live_class = _visible_class(request, class_id)
        context = class_context(request, live_class, error=error, success=success)
        return render(request, "live/class_detail.html#class-panel", context, status=422 if error else 200)
    if error:
        messages.error(request, error)
    elif success:
        messages.success(request, success)
    return redirect("live:class_detail", class_id=class_id)


def _pending_fragment(request, *, error: str = "", success: str = ""):
    return render(
        request,
        "live/panels/_pending.html",
        {"pending": selectors.pending_requests_for(teacher=request.user), "error": error, "success": success},
        status=422 if error else 200,
    )


def _class_action(request, class_id: int, action, *, success: str, from_pending_list: bool = False):
    """Run `action()` (a service call) on a class the user can see, and answer with the
    outcome: the class panel (HTMX) or the class page with a message; the teacher's pending
    list instead when an approve/reject was clicked there."""
    _visible_class(request, class_id)
    to_pending = from_pending_list and request.htmx and request.POST.get("from") == "pending"
    try:
        action()
    except BookingError as exc:
        error = str(exc)
        return _pending_fragment(request, error=error) if to_pending else _after_action(request, class_id, error=error)
    if to_pending:
        return _pending_fragment(request, success=success)
    return _after_action(request, class_id, success=success)


@role_required(Role.TEACHER, Role.STAFF)
@require_POST
def booking_approve(request, class_id: int):
    return _class_action(
        request,
        class_id,
        lambda: services.booking_approve(actor=request.user, live_class_id=class_id),
        success=_("Confirmed. The student has their link and invitation."),
        from_pending_list=True,
    )


@role_required(Role.TEACHER, Role.STAFF)
@require_POST
def booking_reject(request, class_id: int):
    reason = request.POST.get("reason", "")
    return _class_action(
        request,
        class_id,
        lambda: services.booking_reject(actor=request.user, live_class_id=class_id, reason=reason),
        success=_("Declined. The student has been told why."),
        from_pending_list=True,
    )


@login_required
@require_POST
def class_cancel(request, class_id: int):
    reason = request.POST.get("reason", "")
    return _class_action(
        request,
        class_id,
        lambda: services.class_cancel(actor=request.user, live_class_id=class_id, reason=reason),
        success=_("Cancelled. Everyone taking part has been told."),
    )


@login_required
def class_reschedule(request, class_id: int):
    live_class = _visible_class(request, class_id)
    if not (
        live_class.teacher_id == request.user.pk
        or request.user.is_platform_staff
        or (live_class.is_private and selectors.is_participant(user=request.user, live_class=live_class))
    ):
        raise PermissionDenied(_("Only the class's participants can move it."))
    if request.method == "POST":
        try:
            services.class_reschedule(
                actor=request.user, live_class_id=class_id, start=parse_slot_key(request.POST.get("slot", ""))
            )
        except BookingError as exc:
            if not request.htmx:
                messages.error(request, str(exc))
                return redirect("live:reschedule", class_id=class_id)
            error = str(exc)
        else:
            return _after_action(request, class_id, success=_("Moved. Everyone has the new time and invitation."))
    else:
        error = ""
    zone = timezone.get_current_timezone()
    slots = selectors.teacher_free_slots(teacher=live_class.teacher, exclude_id=live_class.pk)
    context = class_context(request, live_class, reschedule_days=group_by_local_day(slots, zone), error=error)
    if request.htmx:
        return render(request, "live/class_detail.html#reschedule", context, status=422 if error else 200)
    return render(request, "live/class_detail.html", context, status=422 if error else 200)


@login_required
@require_POST
def class_join(request, class_id: int):
    live_class = _visible_class(request, class_id)
    try:
        url = services.join_record(user=request.user, live_class_id=live_class.pk)
    except BookingError as exc:
        return _after_action(request, class_id, error=str(exc))
    return HttpResponseRedirect(url)


@role_required(Role.TEACHER, Role.STAFF)
@require_POST
def attendance_mark(request, class_id: int):
    _visible_class(request, class_id)
    try:
        student_id = int(request.POST.get("student", ""))
    except ValueError:
        return _after_action(request, class_id, error=_("Choose a student."))
    attendance = request.POST.get("attendance", "?")
    return _class_action(
        request,
        class_id,
        lambda: services.attendance_mark(
            actor=request.user, live_class_id=class_id, student_id=student_id, attendance=attendance
        ),
        success=_("Attendance saved."),
    )


@role_required(Role.TEACHER, Role.STAFF)
@require_POST
def recording_set(request, class_id: int):
    url = request.POST.get("recording_url", "")
    return _class_action(
        request,
        class_id,
        lambda: services.recording_set(actor=request.user, live_class_id=class_id, url=url),
        success=_("Recording link saved."),
    )


@login_required
@require_POST
def dispute_raise(request, class_id: int):
    reason = request.POST.get("reason", "")
    return _class_action(
        request,
        class_id,
        lambda: services.dispute_raise(user=request.user, live_class_id=class_id, reason=reason),
        success=_("Raised with staff. They will get back to you."),
    )


@login_required
@require_GET
def class_ics(request, class_id: int):
    live_class = _visible_class(request, class_id)
    if not selectors.is_participant(user=request.user, live_class=live_class):
        raise PermissionDenied(_("Only participants can download the invitation."))
    attendees = [s.student for s in live_class.participants.filter(status="registered").select_related("student")]
    if live_class.teacher_id != request.user.pk:
        attendees = [request.user]
    method = "CANCEL" if live_class.status == LiveClass.Status.CANCELLED else "REQUEST"
    response = HttpResponse(
        invitation_ics(live_class, method=method, attendees=attendees), content_type="text/calendar"
    )
    response["Content-Disposition"] = f'attachment; filename="lyceum-class-{live_class.pk}.ics"'
    return response


# --- Group classes ---------------------------------------------------------------------


@role_required(Role.STUDENT)
@require_POST
def group_register(request, class_id: int):
    get_object_or_404(LiveClass, pk=class_id, kind=LiveClass.Kind.GROUP)
    try:
        seat = services.group_class_register(student=request.user, live_class_id=class_id)
        checkout_url = None
        if seat.status == Participant.Status.HELD:  # a paid place: on to Checkout
            payment = lessons.lesson_payment(seat.live_class, student=request.user)
            checkout_url = lessons.lesson_checkout_start(
                payment=payment, base_url=request.build_absolute_uri("/").rstrip("/")
            )
    except (BookingError, BillingError) as exc:
        return _group_answer(request, class_id, error=str(exc))
    if checkout_url:
        return HttpResponseClientRedirect(checkout_url) if request.htmx else redirect(checkout_url)
    if seat.status == Participant.Status.WAITLISTED:
        return _group_answer(request, class_id, success=_("The class is full: you are on the waitlist."))
    return _group_answer(request, class_id, success=_("You have a place. The invitation is in your email."))


@role_required(Role.STUDENT)
@require_POST
def group_leave(request, class_id: int):
    get_object_or_404(LiveClass, pk=class_id, kind=LiveClass.Kind.GROUP)
    try:
        services.group_registration_cancel(student=request.user, live_class_id=class_id)
    except BookingError as exc:
        return _group_answer(request, class_id, error=str(exc))
    return _group_answer(request, class_id, success=_("You have left the class."))


def _group_answer(request, class_id: int, *, error: str = "", success: str = ""):
    live_class = get_object_or_404(LiveClass.objects.select_related("teacher"), pk=class_id)
    if request.htmx:
        context = {
            "gc": _annotated_group_class(live_class),
            "seat": selectors.seat_of(user=request.user, live_class=live_class),
            "policy": lessons.policy() if live_class.seat_price else None,
            "error": error,
            "success": success,
        }
        return render(request, "live/panels/_group_class.html", context, status=422 if error else 200)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, success)
    course_url = live_class.course.url if live_class.course_id else None
    return redirect(course_url or "live:my_classes")


def _annotated_group_class(live_class: LiveClass) -> LiveClass:
    annotated = selectors.group_classes_for_course(course=live_class.course, now=timezone.now() - timedelta(days=3650))
    return annotated.filter(pk=live_class.pk).first() or live_class


@role_required(Role.TEACHER)
def group_class_create(request, course_id: int):
    from wagtail.models import Page

    course = get_object_or_404(Page, pk=course_id)
    currency = lessons.seat_currency_for(teacher=request.user, course=course)
    form = GroupClassForm(request.POST or None, currency=currency)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        zone = selectors.user_zone(request.user)
        start = datetime.combine(data["date"], data["time"], tzinfo=zone)
        try:
            live_class = services.group_class_create(
                teacher=request.user,
                course=course,
                start=start,
                minutes=data["minutes"],
                capacity=data["capacity"],
                title=data["title"],
                seat_price=to_minor(data["price"] or 0, currency),
            )
        except BookingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Scheduled. Enrolled students can register from the course page."))
            return redirect(live_class)
    elif request.method == "GET" and request.user.pk not in selectors.course_teacher_ids(course):
        raise PermissionDenied(_("You can schedule group classes only for courses you teach."))
    return render(request, "live/group_class_form.html", {"form": form, "course": course})


# --- Availability (teachers) -----------------------------------------------------------


def _availability_context(teacher, **extra) -> dict:
    availability = services.availability_ensure(teacher=teacher)
    return {
        "availability": availability,
        "settings_form": extra.pop("settings_form", None) or AvailabilityForm(instance=availability),
        "hours_form": extra.pop("hours_form", None) or WeeklyHoursForm(),
        "exception_form": extra.pop("exception_form", None) or DateExceptionForm(),
        "weekly_hours": teacher.weekly_hours.all(),
        "exceptions": teacher.date_exceptions.filter(date__gte=timezone.localdate() - timedelta(days=1)),
        "teacher_zone": teacher.time_zone,
        **extra,
    }


@role_required(Role.TEACHER)
def availability_edit(request):
    teacher = request.user
    if request.method == "POST":
        form = AvailabilityForm(request.POST, instance=services.availability_ensure(teacher=teacher))
        saved = False
        if form.is_valid():
            try:
                services.availability_update(teacher=teacher, **form.cleaned_data)
                saved = True
            except BookingError as exc:
                form.add_error(None, str(exc))
        if not request.htmx:
            if saved:
                messages.success(request, _("Your booking rules are saved."))
                return redirect("live:availability")
            return render(request, "live/availability.html", _availability_context(teacher, settings_form=form))
        context = _availability_context(teacher, settings_form=None if saved else form, settings_saved=saved)
        return render(request, "live/availability.html#settings", context, status=200 if saved else 422)
    return render(request, "live/availability.html", _availability_context(teacher))


def _section_answer(request, section: str, context: dict, *, ok: bool, message: str = ""):
    if request.htmx:
        return render(request, f"live/availability.html#{section}", context, status=200 if ok else 422)
    if ok:
        messages.success(request, message)
        return redirect("live:availability")
    return render(request, "live/availability.html", context, status=422)


@role_required(Role.TEACHER)
@require_POST
def weekly_hours_add(request):
    form = WeeklyHoursForm(request.POST)
    if form.is_valid():
        try:
            services.weekly_hours_add(teacher=request.user, **form.cleaned_data)
        except BookingError as exc:
            form.add_error(None, str(exc))
        else:
            return _section_answer(request, "hours", _availability_context(request.user), ok=True, message=_("Added."))
    return _section_answer(request, "hours", _availability_context(request.user, hours_form=form), ok=False)


@role_required(Role.TEACHER)
@require_POST
def weekly_hours_delete(request, hours_id: int):
    try:
        services.weekly_hours_delete(teacher=request.user, hours_id=hours_id)
    except BookingError as exc:
        raise Http404(str(exc)) from None
    return _section_answer(request, "hours", _availability_context(request.user), ok=True, message=_("Removed."))


@role_required(Role.TEACHER)
@require_POST
def date_exception_add(request):
    form = DateExceptionForm(request.POST)
    if form.is_valid():
        try:
            services.date_exception_add(teacher=request.user, **form.cleaned_data)
        except BookingError as exc:
            form.add_error(None, str(exc))
        else:
            context = _availability_context(request.user)
            return _section_answer(request, "exceptions", context, ok=True, message=_("Saved."))
    context = _availability_context(request.user, exception_form=form)
    return _section_answer(request, "exceptions", context, ok=False)


@role_required(Role.TEACHER)
@require_POST
def date_exception_delete(request, exception_id: int):
    try:
        services.date_exception_delete(teacher=request.user, exception_id=exception_id)
    except BookingError as exc:
        raise Http404(str(exc)) from None
    return _section_answer(request, "exceptions", _availability_context(request.user), ok=True, message=_("Removed."))


# --- Preferences and the calendar feed -------------------------------------------------


@login_required
def live_settings(request):
    preferences = services.live_preferences_ensure(user=request.user)
    form = PreferencesForm(request.POST or None, instance=preferences)
    if request.method == "POST" and form.is_valid():
        services.live_preferences_update(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your reminder choices are saved."))
        return redirect("live:settings")
    return render(request, "live/settings.html", {"form": form, "preferences": preferences})


@login_required
@require_POST
def feed_rotate(request):
    services.feed_token_rotate(user=request.user)
    messages.success(
        request, _("You have a new calendar link. The old one no longer works; subscribe with the new one.")
    )
    return redirect("live:settings")


@require_GET
def calendar_feed(request, token: str):
    """The secret, subscribable calendar of one user's classes (text/calendar)."""
    preferences = LivePreferences.objects.filter(feed_token=token).select_related("user").first()
    if preferences is None or not preferences.user.is_active:
        raise Http404(_("No such calendar."))
    user = preferences.user
    with recipient_language(user):  # fetched by a calendar program: written in the user's language
        body = feed_ics(user=user, classes=selectors.feed_classes_for(user=user))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="lyceum.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
