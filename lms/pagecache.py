"""Whole pages of signed-in users, cached per user until something they would see changes.

Two numbers in the shared cache decide whether a stored page is still right:

- the **site generation**, bumped by any change every visitor sees: a page published,
  unpublished, moved or deleted, a site, view restriction, image or document saved, a
  plan switched on or off (the apps connect `site_changed` to those signals);
- each user's **version**, bumped by any change to what that user's own pages show: their
  profile, notifications, enrollments and progress, quiz attempts, certificates, classes,
  payments, chat unread count (the apps call `user_changed` from signals, or explicitly
  where a service updates rows in bulk).

A page is stored under the numbers read *before* it was rendered, and `user_changed`
bumps both at once and again after the transaction commits, so a render that read rows
while a change was in flight can never be stored under the new number. A number that was
evicted restarts from the clock, never from one an older entry could still carry.

A cached page must not carry a CSRF token or a flash message: pages are rendered for the
cache with a placeholder wherever a CSRF token goes (`lms.context_processors`), and every
serve puts in a fresh token; nothing is cached or served from the cache while the user
has messages pending, or if the render queued one.
"""

import hashlib
import time

from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import patch_cache_control, patch_vary_headers

CSRF_PLACEHOLDER = "lyceum-csrf-placeholder-7f3c1e9a"
_CSRF_PLACEHOLDER_BYTES = CSRF_PLACEHOLDER.encode()
RENDERING_ATTR = "_lyceum_pagecache_rendering"

GENERATION_KEY = "lms:site-generation"
USER_VERSION_KEY = "lms:user-version:{}"
PAGE_TIMEOUT = 60 * 10

# The generation is read from the shared cache at most once a second per process, so a
# page hit costs one round trip for it less; another process sees a publish within a second.
_local = {"generation": None, "read_at": 0.0}
GENERATION_LOCAL_TTL = 1.0


# --- Site generation ---------------------------------------------------------------------------


def site_changed(sender=None, **kwargs) -> None:
    """Signal receiver (or plain call): every cached page and fragment starts afresh."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, time.time_ns(), None)
    _local["generation"] = None


def generation() -> int:
    now = time.monotonic()
    if _local["generation"] is not None and now - _local["read_at"] < GENERATION_LOCAL_TTL:
        return _local["generation"]
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, time.time_ns(), None)
        value = cache.get(GENERATION_KEY, 0)
    _local.update(generation=value, read_at=now)
    return value


# --- Per-user versions -------------------------------------------------------------------------


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


def user_changed(user_id: int | None) -> None:
    """Something `user_id` sees on their own pages changed (now, or when this commits).

    Outside a transaction the change is committed already: one bump is enough."""
    if not user_id:
        return
    _bump(user_id)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _bump(user_id))


def user_row_changed(field: str):
    """A signal receiver that calls `user_changed` for the instance's `field` (a user FK id)."""

    def receiver(sender=None, instance=None, **kwargs) -> None:
        user_changed(getattr(instance, field, None))

    receiver.__name__ = f"user_row_changed_{field}"
    return receiver


def user_data(user_id: int, name: str, build):
    """`build()`'s result for this user, cached until their data or the site changes."""
    key = f"lms:user-data:{user_id}:{user_version(user_id)}:{generation()}:{name}"
    found = cache.get(key)
    if found is None:
        found = build()
        cache.set(key, found, PAGE_TIMEOUT)
    return found


# --- Pages -------------------------------------------------------------------------------------


def messages_pending(request) -> bool:
    """Flash messages wait for this request's page (it must be rendered, not cached)."""
    if "messages" in request.COOKIES:
        return True
    session = getattr(request, "session", None)
    return bool(session is not None and session.get("_messages"))


def cacheable(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and getattr(request, "user", None) is not None
        and request.user.is_authenticated
        and not messages_pending(request)
    )


def _page_key(request, name: str, max_age: int | None) -> str:
    user = request.user
    # The current time bucket, for pages that show what changes with the clock alone
    # (e.g. a class's Join button opening): such a page is re-rendered at least that often.
    bucket = int(time.time() // max_age) if max_age else 0
    # Read when the user was loaded (lms/backends.py), else now; either way before rendering.
    version = getattr(user, "page_cache_version", None) or user_version(user.pk)
    variant = f"{request.get_full_path()}|{bool(getattr(request, 'htmx', False))}|{bucket}"
    digest = hashlib.sha256(variant.encode()).hexdigest()[:32]
    return f"lms:page:{user.pk}:{version}:{generation()}:{name}:{digest}"


def _with_fresh_token(request, content: bytes) -> bytes:
    if _CSRF_PLACEHOLDER_BYTES not in content:
        return content
    return content.replace(_CSRF_PLACEHOLDER_BYTES, get_token(request).encode())


def _personal(response):
    patch_vary_headers(response, ["Cookie", "HX-Request"])
    patch_cache_control(response, private=True, no_cache=True)
    return response


def rendering_for_cache(request) -> bool:
    return getattr(request, RENDERING_ATTR, False)


def personal_page(request, name: str, render, *, max_age: int | None = None):
    """The response `render()` gives this signed-in user, from the cache when neither
    their own data nor the site changed since it was stored (see the module docstring).

    `render()` runs the view (and any side effects it has) only on a miss: a view whose
    side effect changes what it shows must bump the user's version itself, so a hit
    implies the side effect was already done. `max_age` (seconds) bounds how long a page
    that shows clock-dependent content is served.
    """
    if not cacheable(request):
        return render()
    key = _page_key(request, name, max_age)
    found = cache.get(key)
    if found is not None:
        content, content_type = found
        response = HttpResponse(_with_fresh_token(request, content), content_type=content_type)
        response["X-Lyceum-Cache"] = "hit"
        return _personal(response)
    setattr(request, RENDERING_ATTR, True)
    try:
        response = render()
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
    finally:
        setattr(request, RENDERING_ATTR, False)
    if getattr(response, "streaming", False):
        return response
    content = response.content
    storage = getattr(request, "_messages", None)
    if response.status_code == 200 and not getattr(storage, "_queued_messages", None):
        cache.set(key, (content, response["Content-Type"]), PAGE_TIMEOUT)
    response.content = _with_fresh_token(request, content)
    return _personal(response)
