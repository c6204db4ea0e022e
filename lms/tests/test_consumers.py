import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from lms import services
from lms.config.asgi import application
from lms.consumers import NotificationConsumer
from lms.infra import realtime


def communicator_for(user) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(NotificationConsumer.as_asgi(), "/ws/notifications/")
    communicator.scope["user"] = user
    return communicator


@pytest.mark.django_db(transaction=True)
async def test_anonymous_sockets_are_closed():
    communicator = communicator_for(AnonymousUser())
    connected, code = await communicator.connect()
    assert not connected and code == 4401


async def test_the_bell_count_arrives_on_connect_and_on_every_new_notification(transactional_db, student):
    await database_sync_to_async(services.notify)(user=student, kind="course", title="First")
    communicator = communicator_for(student)
    connected, _ = await communicator.connect()
    assert connected
    assert await communicator.receive_json_from() == {"type": "notifications.unread", "count": 1}

    # notify() outside a transaction runs its on_commit push at once.
    await database_sync_to_async(services.notify)(user=student, kind="course", title="Second")
    assert await communicator.receive_json_from(timeout=3) == {"type": "notifications.unread", "count": 2}

    await database_sync_to_async(services.notifications_mark_all_read)(user=student)
    assert await communicator.receive_json_from(timeout=3) == {"type": "notifications.unread", "count": 0}
    await communicator.disconnect()


async def test_a_user_never_hears_about_someone_elses_notifications(transactional_db, student, teacher):
    communicator = communicator_for(teacher)
    await communicator.connect()
    assert (await communicator.receive_json_from())["count"] == 0
    await database_sync_to_async(services.notify)(user=student, kind="course", title="Not yours")
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()


async def test_messages_from_the_client_get_an_error_frame(transactional_db, student):
    communicator = communicator_for(student)
    await communicator.connect()
    await communicator.receive_json_from()
    await communicator.send_json_to({"type": "hello"})
    reply = await communicator.receive_json_from()
    assert reply["type"] == "error"
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_foreign_origin_is_refused():
    communicator = WebsocketCommunicator(
        application, "/ws/notifications/", headers=[(b"origin", b"https://evil.example")]
    )
    connected, _ = await communicator.connect()
    assert not connected


async def test_the_page_socket_also_carries_the_unread_messages_count(transactional_db, student):
    from channels.layers import get_channel_layer

    communicator = communicator_for(student)
    await communicator.connect()
    await communicator.receive_json_from()
    event = realtime.page_event({"type": "chat.unread", "count": 3})
    await get_channel_layer().group_send(f"chat-user-{student.pk}", event)
    assert await communicator.receive_json_from(timeout=3) == {"type": "chat.unread", "count": 3}
    await communicator.disconnect()


async def test_a_page_follows_a_topic_only_when_its_app_lets_the_user_read_it(transactional_db, student, teacher):
    from channels.layers import get_channel_layer

    realtime.register_topic("test-topic", may_join=lambda user, key: user.pk == int(key))
    allowed = WebsocketCommunicator(NotificationConsumer.as_asgi(), f"/ws/notifications/?topic=test-topic:{student.pk}")
    allowed.scope["user"] = student
    assert (await allowed.connect())[0]
    assert (await allowed.receive_json_from())["type"] == "notifications.unread"

    refused = WebsocketCommunicator(
        NotificationConsumer.as_asgi(), f"/ws/notifications/?topic=test-topic:{student.pk}&topic=unknown:1"
    )
    refused.scope["user"] = teacher
    assert (await refused.connect())[0]  # the bell still works; the topics are refused
    error = await refused.receive_json_from()
    assert error["type"] == "error" and error["topics"] == [f"test-topic:{student.pk}", "unknown:1"]
    assert (await refused.receive_json_from())["type"] == "notifications.unread"

    event = realtime.page_event({"type": "test.thing", "n": 1})
    await get_channel_layer().group_send(realtime.topic_group("test-topic", student.pk), event)
    assert await allowed.receive_json_from(timeout=3) == {"type": "test.thing", "n": 1}
    assert await refused.receive_nothing(timeout=0.5)
    await allowed.disconnect()
    await refused.disconnect()
