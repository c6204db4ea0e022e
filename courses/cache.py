"""Whole-response cache for anonymous visitors of the catalog and course pages.

Keys carry a generation number; publishing, unpublishing or moving any page bumps it, so
a visitor sees a published change within a second (other processes re-read the number
at most once a second). Only plain anonymous GETs
without a session or pending messages are cached (nothing personal can be stored).
"""

import hashlib
import time

from django.core.cache import cache
from django.http import HttpResponse

GENERATION_KEY = "courses:page-cache-generation"
TIMEOUT = 60 * 15


# The generation is read from the shared cache at most once a second per process, so a
# cache hit costs one round trip; another process sees a publish within a second.
_local = {"generation": None, "read_at": 0.0}
LOCAL_TTL = 1.0


def invalidate(sender=None, **kwargs) -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, None)
    _local["generation"] = None


def generation() -> int:
    now = time.monotonic()
    if _local["generation"] is not None and now - _local["read_at"] < LOCAL_TTL:
        return _local["generation"]
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, None)
        value = cache.get(GENERATION_KEY, 1)
    _local.update(generation=value, read_at=now)
    return value


def cacheable(request) -> bool:
    return (
        request.method == "GET"
        and not request.user.is_authenticated
        and "messages" not in request.COOKIES
        and not (hasattr(request, "session") and request.session.get("_messages"))
    )


def _key(request, name: str) -> str:
    variant = f"{request.get_full_path()}|{bool(getattr(request, 'htmx', False))}"
    digest = hashlib.sha256(variant.encode()).hexdigest()[:32]
    return f"courses:page:{generation()}:{name}:{digest}"


def get(request, name: str) -> HttpResponse | None:
    if not cacheable(request):
        return None
    found = cache.get(_key(request, name))
    if found is None:
        return None
    content, content_type = found
    response = HttpResponse(content, content_type=content_type)
    response["X-Lyceum-Cache"] = "hit"
    return response


def put(request, name: str, response) -> None:
    if cacheable(request) and response.status_code == 200:
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        cache.set(_key(request, name), (response.content, response["Content-Type"]), TIMEOUT)


# --- Per-user data ---------------------------------------------------------------------------
#
# What a student's pages show of their own enrollments and progress is cached per user under
# a version number. Every save or delete of an Enrollment, LessonProgress or Certificate
# (services, admin, billing's refunds through enrollment_end) bumps the student's version, at
# once and again after the transaction commits, so a request that read the old rows while the
# change was in flight cannot leave them cached under the new version. A version that was
# evicted restarts from the clock, never from a number an older entry could still carry.

USER_VERSION_KEY = "courses:user-version:{}"
USER_TIMEOUT = 60 * 10


def user_version(user_id: int) -> int:
    key = USER_VERSION_KEY.format(user_id)
    value = cache.get(key)
    if value is None:
        cache.add(key, time.time_ns(), None)
        value = cache.get(key, 0)
    return value


def _bump(user_id: int) -> None:
    key = USER_VERSION_KEY.format(user_id)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, time.time_ns(), None)


def user_changed(user_id: int) -> None:
    from django.db import transaction

    _bump(user_id)
    transaction.on_commit(lambda: _bump(user_id))


def student_row_changed(sender=None, instance=None, **kwargs) -> None:
    """Signal receiver for the models keyed by `student`."""
    if instance is not None and instance.student_id:
        user_changed(instance.student_id)


def user_data(user_id: int, name: str, build):
    """`build()`'s result for this user, cached until their data or a page changes."""
    key = f"courses:user:{user_id}:{user_version(user_id)}:{generation()}:{name}"
    found = cache.get(key)
    if found is None:
        found = build()
        cache.set(key, found, USER_TIMEOUT)
    return found


def shared(name: str, build):
    """`build()`'s result shared by every visitor until a page is published, unpublished,
    moved or deleted (or a view restriction changes); None is never cached."""
    key = f"courses:shared:{generation()}:{name}"
    found = cache.get(key)
    if found is None:
        found = build()
        if found is not None:
            cache.set(key, found, TIMEOUT)
    return found


def site_for_request(request):
    # Wagtail finds the site with a query on every request and keeps it on the request; the
    # answer is shared until a page is published or moved or a Site is saved (courses/apps.py).
    from django.http.request import split_domain_port
    from wagtail.models import Site

    if not hasattr(request, "_wagtail_site"):
        host = f"{split_domain_port(request.get_host())[0]}:{request.get_port()}"
        site = shared(f"site:{host}", lambda: Site.find_for_request(request))
        request._wagtail_site = site
    return request._wagtail_site
