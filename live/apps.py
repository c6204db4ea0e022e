from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiveConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "live"
    verbose_name = _("Live classes")

    def ready(self):
        from live import panels as live_panels
        from live.services import live_group
        from lms.infra import panels, realtime

        # Booking changes ride on every page's shared socket (static/js/live.js listens).
        realtime.register(group=live_group)

        panels.register(
            "teacher_profile",
            template="live/panels/teacher_profile.html",
            context=live_panels.teacher_profile,
            order=10,
        )
        panels.register(
            "student_dashboard",
            template="live/panels/student_dashboard.html",
            context=live_panels.student_dashboard,
            order=20,
        )
        panels.register(
            "teacher_dashboard",
            template="live/panels/teacher_dashboard.html",
            context=live_panels.teacher_dashboard,
            order=10,
        )
        panels.register("nav", template="live/panels/nav.html", context=live_panels.nav, order=20)
        panels.register(
            "course_page", template="live/panels/course_page.html", context=live_panels.course_page, order=30
        )
        panels.register("home_classes", template="live/panels/home_classes.html", context=live_panels.home_classes)
