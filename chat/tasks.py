"""Work the django-q2 worker does for the chat."""

from chat import services
from chat.models import Announcement


def announcement_notify(announcement_id: int) -> int:
    announcement = Announcement.objects.select_related("teacher").filter(pk=announcement_id).first()
    if announcement is None:
        return 0
    return services.announcement_notify(announcement=announcement)
