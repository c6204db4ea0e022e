from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _class_changed(sender=None, instance=None, **kwargs) -> None:
    """A class's teacher and students see it on their cached pages (lms/pagecache.py)."""
    from live.models import Participant
    from lms import pagecache

    pagecache.user_changed(instance.teacher_id)
    for student_id in Participant.objects.filter(live_class_id=instance.pk).values_list("student_id", flat=True):
        pagecache.user_changed(student_id)


class LiveConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "live"
    verbose_name = "Live classes"

    def ready(self):
        from live import panels as live_panels
        from live.services import live_group
        from lms import pagecache, panels, realtime

        for signal in (post_save, post_delete):
            suffix = "saved" if signal is post_save else "deleted"
            signal.connect(_class_changed, sender="live.LiveClass", dispatch_uid=f"live.pagecache_class_{suffix}")
            signal.connect(
                pagecache.user_row_changed("student_id"),
                sender="live.Participant",
                dispatch_uid=f"live.pagecache_participant_{suffix}",
                weak=False,
            )

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
