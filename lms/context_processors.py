from django.utils.functional import SimpleLazyObject

from lms import pagecache
from lms.selectors import unread_notification_count


def site_shell(request):
    """What the navigation needs on every page (the count is queried only if shown).

    While a page is rendered for the per-user page cache, every CSRF token in it (this
    processor runs after Django's own `csrf` one, so it wins) is a placeholder that each
    serve replaces with a fresh token (lms/pagecache.py).
    """
    shell = {}
    if pagecache.rendering_for_cache(request):
        shell["csrf_token"] = pagecache.CSRF_PLACEHOLDER
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        shell["unread_notification_count"] = SimpleLazyObject(lambda: unread_notification_count(user_id=user.pk))
    return shell
