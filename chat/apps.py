from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "chat"
    verbose_name = _("Chat")

    def ready(self):
        from chat import panels, realtime
        from lms.infra import panels as slots
        from lms.infra import realtime as pages

        # The unread-messages badge rides on every page's shared socket.
        pages.register(group=realtime.chat_user_group)

        slots.register("nav", template="chat/_nav_link.html", context=panels.nav, order=40)
        slots.register("teacher_profile", template="chat/_message_button.html", context=panels.teacher_profile)
        slots.register("course_page", template="chat/_course_panel.html", context=panels.course_page)
