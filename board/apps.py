from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _schedule_ensure(sender=None, **kwargs) -> None:
    # Once, on the last app's post_migrate: the worker marks posts past their date expired.
    if sender is not None and sender is not [a for a in apps.get_app_configs() if a.models_module][-1]:
        return
    from django_q.models import Schedule

    Schedule.objects.get_or_create(
        name="board.posts_expire",
        defaults={"func": "board.tasks.posts_expire", "schedule_type": Schedule.HOURLY},
    )


class BoardConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "board"
    verbose_name = _("Tutoring board")

    def ready(self):
        from board import panels
        from lms.infra import panels as slots

        post_migrate.connect(_schedule_ensure, dispatch_uid="board.schedule_ensure")
        slots.register("nav", template="board/_nav_link.html", context=panels.nav, order=45)
