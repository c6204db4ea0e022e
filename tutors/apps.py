from datetime import UTC, datetime, time, timedelta

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _schedule_ensure(sender=None, **kwargs) -> None:
    # Once, on the last app's post_migrate: every tutor's free hours and figures are rebuilt
    # nightly, as days pass out of the 14-day window (tutors.tasks).
    if sender is not None and sender is not [a for a in apps.get_app_configs() if a.models_module][-1]:
        return
    from django.utils import timezone
    from django_q.models import Schedule

    tonight = datetime.combine(timezone.now().date() + timedelta(days=1), time(3), tzinfo=UTC)
    Schedule.objects.get_or_create(
        name="tutors.refresh_all",
        defaults={
            "func": "tutors.tasks.tutors_refresh_all",
            "schedule_type": Schedule.DAILY,
            "repeats": -1,
            "next_run": tonight,  # 03:00 UTC, then daily
        },
    )


class TutorsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tutors"
    verbose_name = _("Tutor marketplace")

    def ready(self):
        post_migrate.connect(_schedule_ensure, dispatch_uid="tutors.schedule_ensure")
        from lms.infra import panels
        from tutors import panels as tutor_panels

        panels.register(
            "teacher_dashboard",
            template="tutors/panels/teacher_dashboard.html",
            context=tutor_panels.teacher_dashboard,
            order=5,
        )
