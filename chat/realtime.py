"""Group names, payloads and the cache-backed state shared by every server process:
presence (heartbeats with a time to live) and the per-user message rate limit.

With REDIS_URL the cache is Redis, so both hold across processes; without it they hold
within the one process the in-memory channel layer already implies.
"""

import functools
import logging
import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCacheClient
from django.urls import reverse

logger = logging.getLogger(__name__)

PRESENCE_TTL = 45  # seconds; clients heartbeat every 20
TYPING_TTL_MS = 6000


@functools.cache
def shared_cache():
    """One cache client for the whole process. `django.core.cache.cache` is per async
    context, so every open socket would hold its own Redis connection pool."""
    cache = caches.create_connection("default")
    _reuse_redis_client(cache)
    return cache


def _reuse_redis_client(cache) -> None:
    """Django's Redis cache builds a new `redis.Redis` for every operation (copying its
    ~100 response callbacks), which cost more CPU than the round trip itself for the rate
    limit and presence checks of every message. Keep one client per connection pool: a
    `redis.Redis` is thread-safe (each command takes a connection from the pool)."""
    client = getattr(cache, "_cache", None)
    if not isinstance(client, RedisCacheClient):
        return

    @functools.cache
    def for_pool(pool):
        return client._client(connection_pool=pool)

    def get_client(key=None, *, write=False):
        return for_pool(client._get_connection_pool(write))

    client.get_client = get_client


def conversation_group(conversation_id: int) -> str:
    return f"chat-conversation-{conversation_id}"


def chat_user_group(user_id: int) -> str:
    """Every chat socket of one user (all tabs): unread counts, announcements."""
    return f"chat-user-{user_id}"


def course_group(course_id: int) -> str:
    """Every chat socket of the course's actively enrolled students (announcements)."""
    return f"chat-course-{course_id}"


def send(group: str, event: dict) -> None:
    """Send to a group from sync code (call it after commit). Best effort: a lost push is
    recovered by the client's catch-up on reconnect and by the next page load."""
    try:
        async_to_sync(get_channel_layer().group_send)(group, event)
    except Exception:
        logger.warning("Could not send %s to %s", event.get("type"), group, exc_info=True)


# --- Payloads (plain data; the browser inserts text with textContent) -------------------


def message_payload(message) -> dict:
    attachment = None
    if message.attachment:
        attachment = {
            "url": reverse("chat:attachment", args=[message.pk]),
            "name": message.attachment_name,
            "kind": message.attachment_kind,
            "size": message.attachment_size,
        }
    return {
        "id": message.pk,
        "conversation_id": message.conversation_id,
        "sender_id": message.sender_id,
        "sender_name": message.sender.name,
        "body": message.body,
        "created_at": message.created_at.isoformat(),
        "status": message.status,
        "flags": list(message.flags or []),
        "attachment": attachment,
    }


# --- Presence ---------------------------------------------------------------------------


def _presence_key(user_id: int) -> str:
    return f"chat:presence:{user_id}"


def presence_beat(user_id: int) -> bool:
    """Mark the user online for PRESENCE_TTL seconds; True if they were offline before."""
    if shared_cache().add(_presence_key(user_id), time.time(), PRESENCE_TTL):
        return True
    shared_cache().set(_presence_key(user_id), time.time(), PRESENCE_TTL)
    return False


def presence_leave(user_id: int) -> None:
    # Another open tab beats again within 20 s and brings the user back online.
    shared_cache().delete(_presence_key(user_id))


def is_online(user_id: int) -> bool:
    return shared_cache().get(_presence_key(user_id)) is not None


# --- Rate limit ---------------------------------------------------------------------------


def rate_limit() -> tuple[int, int]:
    return getattr(settings, "CHAT_RATE_LIMIT", (20, 10))


def _rate_key(user_id: int, window: int) -> str:
    return f"chat:rate:{user_id}:{int(time.time() // window)}"


def _redis(cache) -> bool:
    return isinstance(getattr(cache, "_cache", None), RedisCacheClient)


def rate_limit_hit(user_id: int) -> bool:
    """Count one message in the user's current window; True once it is over the limit.

    A fixed window counted with the cache's atomic add/incr, so every process shares it.
    """
    limit, window = rate_limit()
    key = _rate_key(user_id, window)
    try:
        count = shared_cache().incr(key)  # one round trip for every message after a window's first
    except ValueError:  # the window's first message (or the key just expired)
        count = 1 if shared_cache().add(key, 1, window + 1) else shared_cache().incr(key)
    return count > limit


def message_counted(*, sender_id: int, recipient_id: int) -> tuple[bool, bool]:
    """Count one message of `sender_id` in their rate-limit window (True first if it is
    over the limit) and tell whether `recipient_id` is online, in one round trip to Redis
    for both: the message path waits for every round trip it makes.

    On Redis: INCR and EXISTS in one pipeline (plus an EXPIRE for a window's first
    message); Django's `cache.incr` would ask EXISTS first, one more round trip.
    """
    cache = shared_cache()
    if not _redis(cache):
        return rate_limit_hit(sender_id), is_online(recipient_id)
    limit, window = rate_limit()
    key = cache.make_and_validate_key(_rate_key(sender_id, window))
    client = cache._cache.get_client(key, write=True)
    pipe = client.pipeline(transaction=False)
    pipe.incr(key)
    pipe.exists(cache.make_and_validate_key(_presence_key(recipient_id)))
    count, online = pipe.execute()
    if count == 1:  # the window's key is new: it expires after the window
        client.expire(key, window + 1)
    return count > limit, bool(online)
