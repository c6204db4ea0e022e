"""A thread's open pages hear of new posts on the page socket, and only those who may read it."""

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from discussions import services
from lms.consumers import NotificationConsumer


def socket_for(user, thread) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(
        NotificationConsumer.as_asgi(), f"/ws/notifications/?topic=discussion-thread:{thread.pk}"
    )
    communicator.scope["user"] = user
    return communicator


async def test_a_reply_reaches_the_thread_s_open_pages_not_outsiders(transactional_db, world):
    thread = await database_sync_to_async(services.thread_start)(
        author=world["enrolled"], course=world["course"], title="Live?", body="Is this live?"
    )
    reader, outsider = socket_for(world["enrolled"], thread), socket_for(world["student"], thread)
    await reader.connect()
    await outsider.connect()
    unread = (await reader.receive_json_from())["count"]
    assert (await outsider.receive_json_from())["type"] == "error"  # not in the course
    await outsider.receive_json_from()  # its bell count

    reply = await database_sync_to_async(services.reply_post)(author=world["teacher"], thread=thread, body="Yes")
    frames = [await reader.receive_json_from(timeout=3), await reader.receive_json_from(timeout=3)]
    assert {"type": "discussion.post", "thread": thread.pk, "post": reply.pk} in frames
    assert {"type": "notifications.unread", "count": unread + 1} in frames  # the follower's notification
    assert await outsider.receive_nothing(timeout=0.5)
    await reader.disconnect()
    await outsider.disconnect()
