"""The real services CI runs against: PostgreSQL and Redis, as production configures them."""

import asyncio
import threading

import pytest
from django.conf import settings
from django.db import connection

from lms import services
from lms.models import AuditLogEntry, Notification, Role


@pytest.mark.redis
def test_redis_url_switches_cache_and_channels_to_redis(db):
    from django.core.cache import cache
    from django_q.brokers import get_broker

    assert settings.CACHES["default"]["BACKEND"] == "lms.infra.cache.RedisCache"  # django-redis
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    # The task queue stays in the database, so a Redis outage loses no task.
    assert type(get_broker()).__name__ == "ORM"

    cache.set("infra-check", {"ok": 1}, 30)
    assert cache.get("infra-check") == {"ok": 1}


@pytest.mark.redis
async def test_two_processes_channel_layers_reach_each_other():
    """A group_send from one layer instance (one process) reaches a channel held by another."""
    from channels_redis.pubsub import RedisPubSubChannelLayer

    config = settings.CHANNEL_LAYERS["default"]["CONFIG"]

    async def exchange():
        sender, receiver = RedisPubSubChannelLayer(**config), RedisPubSubChannelLayer(**config)
        channel = await receiver.new_channel()
        await receiver.group_add("infra-test", channel)
        listening = asyncio.ensure_future(receiver.receive(channel))
        # Redis pub/sub delivers only to subscriptions already active: send until heard.
        for _ in range(50):
            await sender.group_send("infra-test", {"type": "hello", "n": 1})
            done, _ = await asyncio.wait({listening}, timeout=0.1)
            if done:
                break
        message = listening.result() if listening.done() else listening.cancel() and None
        await receiver.group_discard("infra-test", channel)
        await sender.flush()
        await receiver.flush()
        return message

    assert await exchange() == {"type": "hello", "n": 1}


def test_the_task_broker_round_trips_through_the_database(db):
    from django_q.brokers import get_broker
    from django_q.signing import SignedPackage

    broker = get_broker(list_key="lyceum-infra-test")
    broker.enqueue(SignedPackage.dumps({"id": "t1", "func": "lms.tasks.email_message_send"}))
    [(task_id, payload)] = broker.dequeue()
    assert SignedPackage.loads(payload)["id"] == "t1"
    broker.acknowledge(task_id)
    assert broker.queue_size() == 0


@pytest.mark.postgres
def test_racing_role_changes_apply_once(transactional_db, staff_user, superuser, student):
    """Two staff members promote the same student at the same moment: one change, one audit entry."""
    assert connection.vendor == "postgresql"
    barrier = threading.Barrier(2)
    errors = []

    def promote(actor):
        from django.db import connections

        try:
            barrier.wait()
            services.user_set_role(actor=actor, user=student, role=Role.TEACHER)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=promote, args=(actor,)) for actor in (staff_user, superuser)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    student.refresh_from_db()
    assert student.role == Role.TEACHER
    assert AuditLogEntry.objects.filter(action="role.change").count() == 1
    assert Notification.objects.filter(user=student, kind="role").count() == 1


@pytest.mark.parametrize(
    ("module", "threshold0"), [("lms.config.wsgi", None), ("lms.config.asgi", 50_000)], ids=["web", "ws"]
)
def test_web_and_ws_processes_freeze_what_the_app_loaded(module, threshold0):
    """A full collection of what Django and Wagtail load stalled a gunicorn worker for
    a long pause (lms/infra/gc_tuning.py): both entry points leave it out of collections."""
    import json
    import os
    import subprocess
    import sys

    script = f"import gc, json, {module}; print(json.dumps([gc.get_freeze_count(), gc.get_threshold()[0]]))"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "lms.config.settings_test"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120
    )
    frozen, gen0 = json.loads(done.stdout.strip().splitlines()[-1])
    assert frozen > 100_000
    assert gen0 == (threshold0 or 700)
