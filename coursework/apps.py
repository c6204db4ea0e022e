from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CourseworkConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coursework"
    verbose_name = _("Coursework")
