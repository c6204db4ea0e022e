from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _site_setup(sender=None, **kwargs) -> None:
    # Like lms.roles: act once, on the last app's signal, when every permission exists
    # (and after lms has created the role groups — its receiver is connected first).
    if sender is not None and sender is not [a for a in apps.get_app_configs() if a.models_module][-1]:
        return
    from courses.services import course_permissions_ensure

    course_permissions_ensure()


class CoursesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "courses"
    verbose_name = _("Courses")

    def ready(self):
        from courses import panels, search
        from courses.models import CoursePage, LessonPage, ModulePage
        from lms.infra import panels as slots

        post_migrate.connect(_site_setup, dispatch_uid="courses.site_setup")
        # The catalog search's documents follow what is published (courses/search.py).
        search.connect(CoursePage, ModulePage, LessonPage)

        slots.register(
            "student_dashboard", template="courses/_student_panel.html", context=panels.student_dashboard, order=10
        )
        slots.register(
            "teacher_dashboard", template="courses/_teacher_panel.html", context=panels.teacher_dashboard, order=10
        )
        slots.register("home_courses", template="courses/_home_courses.html", context=panels.home_courses)
