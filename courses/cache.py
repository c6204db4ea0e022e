"""Whole-response cache for anonymous visitors of the catalog and course pages.

Keys carry the site generation (lms/pagecache.py); publishing, unpublishing or moving any
page bumps it, so a visitor sees a published change within a second (other processes
re-read the number at most once a second). Only plain anonymous GETs
without a session or pending messages are cached (nothing personal can be stored).
"""

import hashlib

from django.core.cache import cache
from django.http import HttpResponse

from lms import pagecache
from lms.pagecache import generation

TIMEOUT = 60 * 15


def cacheable(request) -> bool:
    return request.method == "GET" and not request.user.is_authenticated and not pagecache.messages_pending(request)


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
