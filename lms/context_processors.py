from functools import cache

from lms.selectors import unread_notification_count


def site_shell(request):
    """What the navigation needs on every page. The count is a callable, which templates
    call where they show it (queried once, and only if shown): a real number, so plural
    rules with arithmetic (Arabic's) can use it."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return {"unread_notification_count": cache(lambda: unread_notification_count(user_id=user.pk))}
    return {}
