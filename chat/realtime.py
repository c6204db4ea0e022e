"""Group names, payloads and the cache-backed state shared by every server process:
presence (heartbeats with a time to live).

With REDIS_URL the cache is Redis, so it holds across processes; without it, within the
one process the in-memory channel layer already implies. The `a…` functions are for the
event loop (lms/aio.py): the same keys, on the loop's own Redis client.
"""

import functools
import logging
import time

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCacheClient
from django.urls import reverse

from lms import aio

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
    if message.has_attachment:
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


async def apresence_beat(user_id: int, *, other_id: int) -> tuple[bool, bool]:
    """A heartbeat from the event loop, in one Redis round trip: mark `user_id` online for
    PRESENCE_TTL seconds and read whether `other_id` is. Returns (whether `user_id` was
    offline before, whether `other_id` is online)."""
    client = aio.redis_client()
    if client is None:
        return await sync_to_async(_beat, thread_sensitive=False)(user_id, other_id)
    cache = shared_cache()
    key = cache.make_and_validate_key(_presence_key(user_id))
    pipe = client.pipeline(transaction=False)
    pipe.set(key, int(time.time()), ex=PRESENCE_TTL, nx=True)
    pipe.expire(key, PRESENCE_TTL)
    pipe.exists(cache.make_and_validate_key(_presence_key(other_id)))
    came_back, _, online = await pipe.execute()
    return bool(came_back), bool(online)


async def ais_online(*user_ids: int) -> list[bool]:
    """`is_online` of each of `user_ids`, from the event loop: one round trip on the loop's
    own client for them all."""
    client = aio.redis_client()
    if client is None:
        return [await sync_to_async(is_online, thread_sensitive=False)(user_id) for user_id in user_ids]
    pipe = client.pipeline(transaction=False)
    for user_id in user_ids:
        pipe.exists(shared_cache().make_and_validate_key(_presence_key(user_id)))
    return [bool(found) for found in await pipe.execute()]


def _beat(user_id: int, other_id: int) -> tuple[bool, bool]:
    return presence_beat(user_id), is_online(other_id)


def presence_leave(user_id: int) -> None:
    # Another open tab beats again within 20 s and brings the user back online.
    shared_cache().delete(_presence_key(user_id))


def is_online(user_id: int) -> bool:
    return shared_cache().get(_presence_key(user_id)) is not None
