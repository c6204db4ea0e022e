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
