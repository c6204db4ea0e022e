from django.apps import AppConfig


class ChatConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "chat"
    verbose_name = "Chat"

    def ready(self):
        from chat import panels, services
        from lms import aio, realtime
        from lms import panels as slots

        # The unread-messages badge rides on every page's shared socket.
        realtime.register(group=lambda user_id: f"chat-user-{user_id}", event_types={"chat.unread"})

        slots.register("nav", template="chat/_nav_link.html", context=panels.nav, order=40)
        slots.register("teacher_profile", template="chat/_message_button.html", context=panels.teacher_profile)
        slots.register("course_page", template="chat/_course_panel.html", context=panels.course_page)

        # The socket's statements are prepared on each connection of the event loop's pool.
        aio.warm_each_connection(services.aprepare_connection)
