from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from api import pages as api_pages
from lms import views
from tutors.urls import public_urlpatterns

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("manifest.webmanifest", views.web_app_manifest, name="web_app_manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("offline/", views.offline, name="offline"),
    path("admin/", admin.site.urls),
    # Before Wagtail's own login form, which would take a password past allauth (no MFA).
    path("cms/login/", views.login_elsewhere, {"default_next": "/cms/"}, name="cms_login"),
    path("cms/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("allauth.urls")),
    # The app's sign-in (allauth's headless API) and the public API (docs/api.md).
    path("_allauth/", include("allauth.headless.urls")),
    path("api/", include("api.urls")),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/student/", views.dashboard_student, name="dashboard_student"),
    path("dashboard/teacher/", views.dashboard_teacher, name="dashboard_teacher"),
    path("dashboard/staff/", views.dashboard_staff, name="dashboard_staff"),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/read-all/", views.notification_read_all, name="notification_read_all"),
    path("notifications/<int:notification_id>/read/", views.notification_read, name="notification_read"),
    path("notifications/settings/", views.notification_settings, name="notification_settings"),
    path("profile/", views.profile_edit, name="profile_edit"),
    path("profile/api-tokens/", api_pages.personal_tokens, name="personal_tokens"),
    path("profile/api-tokens/<int:token_id>/revoke/", api_pages.personal_token_revoke, name="personal_token_revoke"),
    path("language/", views.language_set, name="language_set"),
    path("jsi18n/", views.javascript_catalog, name="javascript_catalog"),
    path("profile/time-zone/", views.time_zone_switch, name="time_zone_switch"),
    path("profile/time-zone/keep/", views.time_zone_keep, name="time_zone_keep"),
    path("", include(public_urlpatterns)),  # /teachers/ and /teachers/<slug>/ (tutors.views)
    path("tutors/", include("tutors.urls")),
    path("", include("courses.urls")),
    path("", include("coursework.urls")),
    path("", include("discussions.urls")),
    path("live/", include("live.urls")),
    path("billing/", include("billing.urls")),
    path("chat/", include("chat.urls")),
    path("board/", include("board.urls")),
    path("reviews/", include("reviews.urls")),
    path("push/", include("push.urls")),
]

if settings.DEBUG and settings.MEDIA_URL.startswith("/"):
    # Local media for development only: public uploads (avatars, images). Course
    # documents, chat attachments and tutors' credentials are never served from here — only by their
    # permission-checked views.
    from django.urls import re_path
    from django.views.static import serve

    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>(?!documents/|chat/|credentials/).*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]

# Wagtail serves every other path from its page tree; it must come last. Its front-end
# login form (for private pages) would take a password past allauth too.
urlpatterns += [
    path("_util/login/", views.login_elsewhere, name="frontend_login"),
    path("", include(wagtail_urls)),
]
