import hashlib
import json
from urllib.parse import quote

from allauth.account.utils import get_next_redirect_url
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import JavaScriptCatalog

from lms import selectors, services
from lms.decorators import role_required
from lms.forms import ProfileForm, TeacherProfileForm, TimeZoneForm
from lms.infra.middleware import TIME_ZONE_KEPT_COOKIE
from lms.models import Notification, Role, User
from lms.notifications import KINDS
from push import selectors as push_selectors
from push import services as push_services


@require_GET
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


# --- The installable app (a web app manifest, a service worker, the offline page) ------------

# What the service worker keeps on install, beside the offline page.
APP_SHELL = [
    "css/dist/styles.css",
    "js/htmx.min.js",
    "js/lyceum.js",
    "js/pwa.js",
    "img/favicon.svg",
    "img/app/icon-192.png",
]


@require_GET
@cache_control(max_age=3600, public=True)
def web_app_manifest(request):
    """What makes the site installable as an app (its name in the viewer's language)."""
    icons = [
        {"src": static("img/app/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": static("img/app/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {
            "src": static("img/app/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]
    manifest = {
        "name": "Lyceum",
        "short_name": "Lyceum",
        "description": _("Courses, live classes and real conversations with your teachers."),
        "lang": translation.get_language(),
        "dir": "rtl" if translation.get_language_bidi() else "ltr",
        "id": "/",
        "start_url": reverse("dashboard"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#4f46e5",
        "icons": icons,
    }
    return JsonResponse(manifest, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})


@require_GET
def service_worker(request):
    """templates/pwa/sw.js at the site's root, so it may serve every page. Its source names the
    assets it keeps (hashed names in production), so a release changes it and browsers update it."""
    shell = json.dumps([reverse("offline"), *(static(path) for path in APP_SHELL)])
    context = {
        "shell_files": shell,
        "version": hashlib.sha256(shell.encode()).hexdigest()[:12],
        "offline_url": reverse("offline"),
        "sign_out_url": reverse("account_logout"),
    }
    response = render(request, "pwa/sw.js", context, content_type="text/javascript")
    response["Cache-Control"] = "no-cache"  # browsers check for a new one on every visit
    return response


@require_GET
def offline(request):
    """Shown by the service worker when a page is not saved and the network is gone. The same
    for everyone (it is kept on the device): no name, no menu of the person signed in."""
    return render(request, "pwa/offline.html")


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
    context = {"recent_notifications": selectors.recent_notifications(user=request.user)}
    return render(request, "lms/dashboard_student.html", context)


@role_required(Role.TEACHER, Role.STAFF)
def dashboard_teacher(request):
    profile = services.teacher_profile_ensure(user=request.user) if request.user.is_teacher else None
    return render(
        request,
        "lms/dashboard_teacher.html",
        {"profile": profile, "recent_notifications": selectors.recent_notifications(user=request.user)},
    )


@role_required(Role.STAFF)
def dashboard_staff(request):
    return render(
        request,
        "lms/dashboard_staff.html",
        {
            "role_counts": selectors.user_counts_by_role(),
            "recent_signups": selectors.recent_signups(),
            "recent_notifications": selectors.recent_notifications(user=request.user),
        },
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
        raise Http404(_("No such notification.")) from None
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
    messages.success(
        request,
        ngettext("Marked %(count)d notification as read.", "Marked %(count)d notifications as read.", count)
        % {"count": count},
    )
    return redirect("notification_list")


@login_required
def notification_settings(request):
    if request.method == "POST":
        services.notification_preferences_set(
            user=request.user,
            email_by_kind={key: f"email_{key}" in request.POST for key in KINDS},
            push_by_kind={key: f"push_{key}" in request.POST for key in KINDS},
        )
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notification_settings")
    context = {
        "preferences": selectors.notification_preferences_for(user=request.user),
        "push_devices": push_selectors.devices_of(user=request.user),
        "push_key": push_services.application_server_key(),
    }
    return render(request, "lms/notification_settings.html", context)


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
        messages.success(request, _("Your profile is saved."))
        return redirect("profile_edit")
    return render(request, "lms/profile_edit.html", {"form": form, "teacher_form": teacher_form})


def _back(request, fallback: str = "") -> str:
    """Where a form in the page's frame came from (its `next` field): a path on this site,
    else `fallback` or the dashboard (never a view name or a relative URL: "²" is neither a
    page nor a view)."""
    url = request.POST.get("next", "") if request.method == "POST" else request.GET.get("next", "")
    if url.startswith("/") and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return fallback or reverse("dashboard")


# The scripts' strings (static/js) in the request's language; base.html names the language in
# the URL, so a browser keeps one copy per language for an hour.
javascript_catalog = cache_control(max_age=3600, public=True)(JavaScriptCatalog.as_view())


@require_http_methods(["GET", "POST"])
def language_set(request):
    """The language menu in the header and footer. A signed-in person's choice is kept in
    their profile (a POST); a visitor's in the language cookie (a link, their pages being
    shared and tokenless). Then back to the page, now in that language."""
    code = (request.POST if request.method == "POST" else request.GET).get("language", "")
    response = HttpResponseRedirect(_back(request, fallback="/"))
    if not translation.check_for_language(code) or code not in dict(settings.LANGUAGES):
        messages.error(request, _("That is not a language the site is available in."))
        return response
    if request.method == "POST" and request.user.is_authenticated:
        services.user_language_set(user=request.user, language=code)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=request.is_secure(),
    )
    return response


@login_required
@require_POST
def time_zone_switch(request):
    """ "Use <device zone>" in the notice that the device's zone differs from the profile's."""
    form = TimeZoneForm(request.POST)
    if form.is_valid():
        services.user_time_zone_set(user=request.user, time_zone=form.cleaned_data["time_zone"])
        messages.success(request, _("Times are now shown in %(zone)s.") % {"zone": form.cleaned_data["time_zone"]})
    else:
        messages.error(request, _("That is not a time zone we know, so your time zone was not changed."))
    return HttpResponseRedirect(_back(request))


@login_required
@require_POST
def time_zone_keep(request):
    """ "Keep" in that notice: not offered again while the device stays in this zone."""
    form = TimeZoneForm(request.POST)
    response = HttpResponseRedirect(_back(request))
    if form.is_valid():
        response.set_cookie(
            TIME_ZONE_KEPT_COOKIE,
            quote(form.cleaned_data["time_zone"], safe=""),
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=request.is_secure(),
            httponly=True,
        )
    else:
        messages.error(request, _("That is not a time zone we know."))
    return response
