"""PostgreSQL and Redis clients that run on the event loop, for the few paths of the `ws`
process where every millisecond is felt (the chat's message path and heartbeats).

Why not the ORM through `database_sync_to_async`: that runs each call in a pool thread,
and under load every blocking call there (a Redis round trip, a query, a commit) has to
win the GIL back from the event loop that serves every other socket, which can take up
to the interpreter's 5 ms switch interval each time. Here the statement and the round
trips are awaited on the loop itself. Everything else keeps the ORM (docs/chat.md).

Both are built from the same settings the ORM and Django's cache use, and there is one
pool and one client per event loop (uvicorn runs one loop per process; each async test
has its own, and `aclose()` closes the current loop's).
"""

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable

from django.conf import settings
from django.db import connections
from psycopg_pool import AsyncConnectionPool

logger = logging.getLogger(__name__)


class _LoopResources:
    def __init__(self):
        self.pools: dict[str, asyncio.Future] = {}
        self.redis = None
        self.tasks: set[asyncio.Task] = set()
        self.local: dict[str, object] = {}


_by_loop: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopResources]" = weakref.WeakKeyDictionary()


def _resources() -> _LoopResources:
    loop = asyncio.get_running_loop()
    resources = _by_loop.get(loop)
    if resources is None:
        resources = _by_loop[loop] = _LoopResources()
    return resources


# --- PostgreSQL ---------------------------------------------------------------------------


def postgres(alias: str = "default") -> bool:
    """Whether the database is PostgreSQL (the only one with an async path here)."""
    return connections[alias].vendor == "postgresql"


def _connect_kwargs(alias: str) -> dict:
    """Django's own connection parameters (so the test database, SSL options and the like
    apply), in autocommit: each statement is its own transaction unless it opens one.

    Server-side prepared statements are on (settings.ASYNC_DB_PREPARE). Django turns them
    off (`prepare_threshold=None`), and psycopg then ignores `execute(..., prepare=True)`:
    PostgreSQL parsed, analysed and planned the chat's store statement for every message,
    which was half of its backend's time per message (perf, on the 2-core machine)."""
    params = connections[alias].get_connection_params()
    params.pop("cursor_factory", None)  # Django's sync cursor classes
    params.pop("context", None)  # Django's adapters; these paths pass plain values
    params["autocommit"] = True
    # psycopg's own default (5): a statement is prepared on its fifth run, or at once if asked.
    params["prepare_threshold"] = 5 if settings.ASYNC_DB_PREPARE else None
    return params


class LifoConnectionPool(AsyncConnectionPool):
    """psycopg_pool hands out its connections in turn (first in, first out): every
    PostgreSQL backend of the pool stays in use, and each sleeps the longest between
    statements. A sleeping backend is slow to wake, and on this path that is most of a
    store's time (measured on the 2-core machine, a store every 10 ms: p99 4.7 ms with four
    connections taken in turn, 1.6 ms with one). Last in, first out keeps one backend busy
    and warm and uses the others only in bursts; the pool closes those after `max_idle`
    (the least recently used are at the front, where it shrinks from)."""

    async def _get_ready_connection(self, timeout):
        conn = await super()._get_ready_connection(timeout)
        if conn is not None and self._pool:
            # super() took the least recently used: put it back and take the newest.
            self._pool.appendleft(conn)
            conn = self._pool.pop()
        return conn


ConnectionWarmer = Callable[[object], Awaitable[None]]
_connection_warmers: list[ConnectionWarmer] = []


def warm_each_connection(warmer: ConnectionWarmer) -> None:
    """Run `await warmer(connection)` on every new connection of the loops' pools before it
    serves anyone: what an app prepares there (its statements, their plans, the tables'
    catalog entries in the backend) the first messages after a start no longer pay for.
    Register in `AppConfig.ready()`. A warmer that fails is logged; the connection serves."""
    if warmer not in _connection_warmers:
        _connection_warmers.append(warmer)


async def _warm(conn) -> None:
    for warmer in _connection_warmers:
        try:
            await warmer(conn)
        except Exception:
            logger.exception("Warming a new database connection failed in %s", getattr(warmer, "__qualname__", warmer))


async def _open_pool(alias: str):
    pool = LifoConnectionPool(
        kwargs=_connect_kwargs(alias),
        configure=_warm,
        # A message holds a connection for one statement (about a millisecond): one serves
        # the usual traffic, the others bursts (settings.ASYNC_DB_POOL_SIZE, WS_DB_POOL_SIZE).
        # A few are open from the start: the pool opens further ones one at a time (5-10 ms
        # each here), and the first burst after a start (sockets reconnecting) had its
        # messages wait 20-45 ms for them in the bench.
        min_size=min(4, max(1, settings.ASYNC_DB_POOL_SIZE)),
        max_size=max(1, settings.ASYNC_DB_POOL_SIZE),
        open=False,
        name=f"lyceum-aio-{alias}",
    )
    await pool.open(wait=True, timeout=10)
    return pool


async def pg_pool(alias: str = "default"):
    """This loop's connection pool for `alias` (a `LifoConnectionPool`), opened on first use.

    No health check when a connection is handed out (it would cost a round trip per
    use): callers retry once on `psycopg.OperationalError`, and the pool replaces a
    connection that came back broken.
    """
    resources = _resources()
    opening = resources.pools.get(alias)
    if opening is None:
        opening = resources.pools[alias] = asyncio.ensure_future(_open_pool(alias))
    try:
        return await asyncio.shield(opening)
    except Exception:
        if resources.pools.get(alias) is opening:
            del resources.pools[alias]  # the next call tries again
        raise


# --- Redis --------------------------------------------------------------------------------


def redis_url() -> str:
    """The server of the default cache if it is Redis, else "": keys written here are the
    cache's own keys (`cache.make_and_validate_key`), which sync code reads through it."""
    from django.core.cache import caches
    from django_redis.cache import RedisCache

    if not isinstance(caches["default"], RedisCache):
        return ""
    location = settings.CACHES["default"]["LOCATION"]
    return location[0] if isinstance(location, list | tuple) else location.split(",")[0]


def redis_client():
    """This loop's `redis.asyncio.Redis` on the default cache's server; None if the cache
    is not Redis."""
    resources = _resources()
    if resources.redis is None:
        url = redis_url()
        if not url:
            return None
        from redis.asyncio import Redis

        resources.redis = Redis.from_url(url)
    return resources.redis


def loop_local(name: str, factory):
    """This loop's own object called `name`, made by `factory()` on first use (state
    that one process's sockets share, e.g. the chat's read receipts not yet written)."""
    local = _resources().local
    if name not in local:
        local[name] = factory()
    return local[name]


# --- Work after the answer -------------------------------------------------------------


def spawn(coroutine) -> asyncio.Task:
    """Run `coroutine` in a task of its own on this loop, for work that must not hold up
    an answer (it should log its own failures). The task is kept until it is done, so it
    is never collected half-way; `aclose()` waits for it."""
    task = asyncio.get_running_loop().create_task(coroutine)
    tasks = _resources().tasks
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    return task


# --- Closing ------------------------------------------------------------------------------


async def drain() -> None:
    """Wait until this loop's spawned tasks are done (tests)."""
    resources = _by_loop.get(asyncio.get_running_loop())
    while resources is not None and resources.tasks:
        await asyncio.gather(*resources.tasks, return_exceptions=True)


async def aclose() -> None:
    """Finish this loop's spawned tasks, then close its pools and client (tests, before
    their loop and database go)."""
    await drain()
    resources = _by_loop.pop(asyncio.get_running_loop(), None)
    if resources is None:
        return
    for opening in resources.pools.values():
        try:
            pool = await opening
        except Exception:  # noqa: BLE001, S112 - it never opened: nothing to close
            continue
        await pool.close()
    if resources.redis is not None:
        await resources.redis.aclose()
