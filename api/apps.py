from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _schedule_ensure(sender=None, **kwargs) -> None:
    # Once, on the last app's post_migrate: every minute the worker sends webhook deliveries that are due.
    if sender is not None and sender is not [a for a in apps.get_app_configs() if a.models_module][-1]:
        return
    from django_q.models import Schedule

    Schedule.objects.get_or_create(
        name="api.webhook_deliveries_due",
        defaults={"func": "api.webhooks.deliveries_due", "schedule_type": Schedule.MINUTES, "minutes": 1},
    )


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("Public API")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from api import webhooks
        from lms.infra import events

        events.subscribe(webhooks.deliveries_create)
        post_migrate.connect(_schedule_ensure, dispatch_uid="api.schedule_ensure")
