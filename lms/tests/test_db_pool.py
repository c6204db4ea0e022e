"""A server process holds a bounded number of PostgreSQL connections, however many requests
and sockets it serves at once, and gives the extra ones back when idle (issue 16.6).

The server runs the production settings module (`lms.config.settings`), as the `ws` process does.
"""

import asyncio
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from lms.models import Role
from lms.tests import servers
from lms.tests.factories import make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

POOL_MAX = 4
POOL_MIN = 1
PAGES = ["/teachers/", "/courses/", "/accounts/login/", "/", "/teachers/no-such-teacher/"]


def _connections(app_name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
            [app_name],
        )
        return cursor.fetchone()[0]


class Peak:
    """The most connections the server held at any moment while the block ran."""

    def __init__(self, app_name):
        self.app_name = app_name
        self.value = 0
        self._done = threading.Event()

    def _watch(self):
        from django.db import connections

        try:
            while not self._done.is_set():
                self.value = max(self.value, _connections(self.app_name))
                time.sleep(0.02)
        finally:
            connections.close_all()

    def __enter__(self):
        self._thread = threading.Thread(target=self._watch)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join()


@pytest.fixture
def ws_process(transactional_db, tmp_path):
    app_name = f"lyceum-pool-{uuid.uuid4().hex[:8]}"
    env = {
        "DJANGO_SETTINGS_MODULE": "lms.config.settings",
        "DEBUG": "1",
        "DATABASE_URL": servers.database_url(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "REDIS_URL": "",  # local memory: no cache entries shared with other runs
        "PGAPPNAME": app_name,  # libpq names this process's connections in pg_stat_activity
        "DB_POOL_MIN_SIZE": str(POOL_MIN),
        "DB_POOL_MAX_SIZE": str(POOL_MAX),
        "DB_POOL_MAX_IDLE": "0.5",
        "DB_POOL_TIMEOUT": "30",
    }
    process, url = servers.start_asgi(env, tmp_path / "server.log")
    yield url, app_name
    servers.stop(process)


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _back_to(app_name: str, limit: int, seconds: float = 20) -> int:
    deadline = time.monotonic() + seconds
    while (count := _connections(app_name)) > limit and time.monotonic() < deadline:
        time.sleep(0.2)
    return count


def test_concurrent_requests_share_a_bounded_pool(ws_process):
    url, app_name = ws_process
    make_user(Role.TEACHER, email="t@example.com", display_name="Tia Teacher")
    with Peak(app_name) as peak, ThreadPoolExecutor(15) as pool:
        for _ in range(3):
            statuses = list(pool.map(_get, [url + PAGES[i % len(PAGES)] for i in range(15)]))
            assert set(statuses) <= {200, 404}, statuses
    assert 1 <= peak.value <= POOL_MAX
    assert _back_to(app_name, POOL_MIN) <= POOL_MIN


def test_websocket_consumers_borrow_from_the_same_pool(ws_process):
    """Twenty signed-in page sockets connecting at once (each loads its session and user and
    counts unread notifications through database_sync_to_async)."""
    import websockets

    url, app_name = ws_process
    user = make_user(Role.STUDENT, email="s@example.com", display_name="Sam Student")
    client = Client()
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    ws_url = url.replace("http://", "ws://") + "/ws/notifications/"

    async def one():
        async with websockets.connect(ws_url, additional_headers={"Cookie": cookie, "Origin": url}) as socket:
            return await asyncio.wait_for(socket.recv(), 30)

    async def burst():
        return await asyncio.gather(*(one() for _ in range(20)))

    with Peak(app_name) as peak:
        for _ in range(2):
            frames = asyncio.run(burst())
            assert all('"notifications.unread"' in frame for frame in frames), frames[:2]
    assert 1 <= peak.value <= POOL_MAX
    assert _back_to(app_name, POOL_MIN) <= POOL_MIN
