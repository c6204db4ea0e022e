from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _schedule_ensure(sender=None, **kwargs) -> None:
    # Once, on the last app's post_migrate: the worker ends lapsed subscription access.
    if sender is not None and sender is not [a for a in apps.get_app_configs() if a.models_module][-1]:
        return
    from django_q.models import Schedule

    from billing.models import Payout

    Schedule.objects.get_or_create(
        name="billing.subscriptions_expire",
        defaults={"func": "billing.tasks.subscriptions_expire", "schedule_type": Schedule.MINUTES, "minutes": 15},
    )
    # Daily: teachers' payable earnings go to their Stripe Connect accounts.
    Schedule.objects.get_or_create(
        name=Payout.SCHEDULE, defaults={"func": "billing.tasks.payouts_run", "schedule_type": Schedule.DAILY}
    )
    # Every 10 minutes: lesson earnings past their hold become payable; unpaid checkouts free their slot.
    Schedule.objects.get_or_create(
        name="billing.lessons_tick",
        defaults={"func": "billing.tasks.lessons_tick", "schedule_type": Schedule.MINUTES, "minutes": 10},
    )


class BillingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "billing"
    verbose_name = _("Billing")

    def ready(self):
        from billing import checks, panels  # noqa: F401 (checks registers itself)
        from lms.infra import panels as slots

        post_migrate.connect(_schedule_ensure, dispatch_uid="billing.schedule_ensure")
        slots.register(
            "staff_dashboard", template="billing/_staff_panel.html", context=panels.staff_dashboard, order=30
        )
        slots.register(
            "teacher_dashboard", template="billing/_teacher_panel.html", context=panels.teacher_dashboard, order=30
        )
        slots.register(
            "student_dashboard", template="billing/_student_panel.html", context=panels.student_dashboard, order=40
        )
        slots.register("nav", template="billing/_nav.html", context=panels.nav, order=30)
