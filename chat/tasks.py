"""Work the django-q2 worker does for the chat."""

from chat import services
from chat.models import Announcement, Message


def announcement_notify(announcement_id: int) -> int:
    announcement = Announcement.objects.select_related("teacher").filter(pk=announcement_id).first()
    if announcement is None:
        return 0
    return services.announcement_notify(announcement=announcement)


def message_notify_away(message_id: int, recipient_id: int) -> bool:
    message = Message.objects.select_related("sender", "conversation").filter(pk=message_id).first()
    if message is None:  # deleted meanwhile
        return False
    return services.message_notify_away(message=message, recipient_id=recipient_id)
