from django.utils.functional import SimpleLazyObject

from lms.selectors import unread_notification_count


def site_shell(request):
    """What the navigation needs on every page (the count is queried only if shown)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return {"unread_notification_count": SimpleLazyObject(lambda: unread_notification_count(user_id=user.pk))}
    return {}
