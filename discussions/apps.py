from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscussionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "discussions"
    verbose_name = _("Discussions")

    def ready(self):
        from discussions import panels, selectors
        from lms.infra import panels as slots
        from lms.infra import realtime

        # An open thread's page gets its new replies live on the page's shared socket.
        realtime.register_topic(selectors.THREAD_TOPIC, may_join=selectors.may_follow_live)
        slots.register("lesson_page", template="discussions/_lesson_panel.html", context=panels.lesson_page)
        slots.register("course_page", template="discussions/_course_link.html", context=panels.course_page, order=60)
