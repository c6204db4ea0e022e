import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from live import services
from live.consumers import LiveConsumer


def communicator(user):
    comm = WebsocketCommunicator(LiveConsumer.as_asgi(), "/ws/live/")
    comm.scope["user"] = user
    return comm


# Any db mark keeps it before the browser tests (whose Playwright loop would be running).
@pytest.mark.django_db
async def test_anonymous_sockets_are_refused():
    connected, code = await communicator(AnonymousUser()).connect()
    assert not connected and code == 4401


@pytest.mark.django_db(transaction=True)
async def test_the_student_hears_the_approval(pending, london_teacher, student):
    comm = communicator(student)
    connected, _ = await comm.connect()
    assert connected
    await database_sync_to_async(services.booking_approve)(actor=london_teacher, live_class_id=pending.pk)
    message = await comm.receive_json_from(timeout=5)
    assert message == {"type": "live.booking", "class_id": pending.pk, "status": "confirmed"}
    await comm.send_json_to({"type": "anything"})
    assert (await comm.receive_json_from())["type"] == "error"
    await comm.disconnect()
