from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_out
from django.utils.translation import gettext_lazy as _


class PushConfig(AppConfig):
    name = "push"
    verbose_name = _("Web push")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from push import services

        user_logged_out.connect(services.subscriptions_end_with_session, dispatch_uid="push.end_with_session")
