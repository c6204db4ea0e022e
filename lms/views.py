from allauth.account.utils import get_next_redirect_url
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from lms import selectors, services
from lms.decorators import role_required
from lms.forms import ProfileForm, TeacherProfileForm
from lms.models import Notification, Role, TeacherProfile, User
from lms.notifications import KINDS


@require_GET
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


def login_elsewhere(request, *, default_next: str = "/"):
    """Wagtail's /cms/login/ and Django admin's /admin/login/: they take no password and
    send everyone to allauth's sign-in, so two-factor codes, rate limits and email
    verification apply to every sign-in."""
    next_url = get_next_redirect_url(request) or default_next
    if request.user.is_authenticated:
        return redirect(next_url)
    return redirect_to_login(next_url)


# --- Dashboards ------------------------------------------------------------------------


@login_required
def dashboard(request):
    return redirect(
        {Role.STUDENT: "dashboard_student", Role.TEACHER: "dashboard_teacher", Role.STAFF: "dashboard_staff"}[
            Role(request.user.role)
        ]
    )


@role_required(Role.STUDENT, Role.STAFF)
def dashboard_student(request):
    return render(request, "lms/dashboard_student.html", {})


@role_required(Role.TEACHER, Role.STAFF)
def dashboard_teacher(request):
    profile = services.teacher_profile_ensure(user=request.user) if request.user.is_teacher else None
    return render(request, "lms/dashboard_teacher.html", {"profile": profile})


@role_required(Role.STAFF)
def dashboard_staff(request):
    return render(
        request,
        "lms/dashboard_staff.html",
        {"role_counts": selectors.user_counts_by_role(), "recent_signups": selectors.recent_signups()},
    )


# --- Notifications ---------------------------------------------------------------------


@login_required
def notification_list(request):
    page = Paginator(selectors.notifications_for(user=request.user), 20).get_page(request.GET.get("page"))
    return render(request, "lms/notification_list.html", {"page": page})


@login_required
@require_POST
def notification_read(request, notification_id: int):
    try:
        notification = services.notification_mark_read(user=request.user, notification_id=notification_id)
    except Notification.DoesNotExist:
        raise Http404("No such notification.") from None
    if request.htmx:
        return render(request, "lms/notification_list.html#notification", {"notification": notification})
    if notification.url and request.POST.get("open"):
        return redirect(notification.url)
    return redirect("notification_list")


@login_required
@require_POST
def notification_read_all(request):
    count = services.notifications_mark_all_read(user=request.user)
    if request.htmx:
        page = Paginator(selectors.notifications_for(user=request.user), 20).get_page(1)
        return render(request, "lms/notification_list.html#notification-list", {"page": page})
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} as read.")
    return redirect("notification_list")


@login_required
def notification_settings(request):
    if request.method == "POST":
        services.notification_preferences_set(
            user=request.user, email_by_kind={key: f"email_{key}" in request.POST for key in KINDS}
        )
        messages.success(request, "Your notification settings are saved.")
        return redirect("notification_settings")
    return render(
        request,
        "lms/notification_settings.html",
        {"preferences": selectors.notification_preferences_for(user=request.user)},
    )


# --- Profiles --------------------------------------------------------------------------


@login_required
def profile_edit(request):
    user: User = request.user
    teacher_profile = services.teacher_profile_ensure(user=user) if user.is_teacher else None
    data = request.POST if request.method == "POST" else None
    form = ProfileForm(data, request.FILES or None, instance=user, prefix="profile")
    teacher_form = TeacherProfileForm(data, instance=teacher_profile, prefix="teacher") if teacher_profile else None
    if request.method == "POST" and form.is_valid() and (teacher_form is None or teacher_form.is_valid()):
        services.profile_update(
            user=user,
            profile_data=form.cleaned_data,
            teacher_data=teacher_form.cleaned_data if teacher_form else None,
        )
        messages.success(request, "Your profile is saved.")
        return redirect("profile_edit")
    return render(request, "lms/profile_edit.html", {"form": form, "teacher_form": teacher_form})


def teacher_list(request):
    return render(request, "lms/teacher_list.html", {"teachers": selectors.listed_teachers()})


def teacher_profile(request, slug: str):
    profile = get_object_or_404(TeacherProfile.objects.select_related("user"), slug=slug, user__role=Role.TEACHER)
    if not profile.user.is_active:
        raise Http404("No such teacher.")
    return render(request, "lms/teacher_profile.html", {"profile": profile, "teacher": profile.user})
