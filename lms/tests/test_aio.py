"""The event loop's own PostgreSQL pool and Redis client (lms/aio.py)."""

import asyncio

import pytest
from django.db import connection

from lms import aio


async def test_spawned_work_is_finished_before_the_loop_closes():
    done = []

    async def later():
        await asyncio.sleep(0.05)
        done.append("after the answer")

    aio.spawn(later())
    assert done == []
    await aio.aclose()
    assert done == ["after the answer"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
async def test_the_pool_connects_to_djangos_database_in_autocommit():
    pool = await aio.pg_pool()
    async with pool.connection() as conn:
        cursor = await conn.execute("SELECT current_database()")
        assert (await cursor.fetchone())[0] == connection.settings_dict["NAME"]
        assert conn.autocommit


async def _prepared_statements(conn) -> list[str]:
    cursor = await conn.execute("SELECT statement FROM pg_prepared_statements")
    return [row[0] for row in await cursor.fetchall()]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
async def test_the_pool_prepares_what_it_is_asked_to_though_django_does_not():
    pool = await aio.pg_pool()
    async with pool.connection() as conn:
        for n in range(2):
            await conn.execute("SELECT %s::int + 1", [n], prepare=True)
        assert [s for s in await _prepared_statements(conn) if "+ 1" in s] == ["SELECT $1::int + 1"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
async def test_prepared_statements_can_be_turned_off_for_a_transaction_pooler(settings):
    settings.ASYNC_DB_PREPARE = False
    pool = await aio.pg_pool()
    async with pool.connection() as conn:
        for n in range(6):
            await conn.execute("SELECT %s::int + 1", [n], prepare=True)
        assert await _prepared_statements(conn) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
async def test_each_new_connection_is_warmed_before_it_serves_and_a_failing_warmer_does_not_stop_it(
    monkeypatch, caplog
):
    """Apps prepare their statements on every new connection of the loop's pool (the chat
    its store statement): the first messages after a start no longer pay for it."""
    warmed = []

    async def broken(conn):
        raise RuntimeError("no such table")

    async def prepare(conn):
        await conn.execute("SELECT %s::int + 2", [0], prepare=True)
        warmed.append(conn)

    monkeypatch.setattr(aio, "_connection_warmers", [])
    aio.warm_each_connection(broken)
    aio.warm_each_connection(prepare)
    aio.warm_each_connection(prepare)  # once is enough
    pool = await aio.pg_pool()
    assert len(warmed) == len(set(warmed)) == pool.get_stats()["pool_size"] == 4
    async with pool.connection() as conn:
        assert conn in warmed
        assert "SELECT $1::int + 2" in await _prepared_statements(conn)
        assert await (await conn.execute("SELECT 1")).fetchone() == (1,)
    assert "Warming a new database connection failed" in caplog.text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
async def test_the_pool_hands_out_its_most_recently_used_connection():
    """A backend that slept least wakes fastest: the pool is last in, first out. A few
    connections are open from the start, so a burst right after it does not wait for
    them to be opened one by one."""
    pool = await aio.pg_pool()
    assert pool.get_stats()["pool_size"] == 4
    first = await pool.getconn()
    second = await pool.getconn()
    await pool.putconn(first)
    await pool.putconn(second)  # returned last
    for _ in range(3):
        async with pool.connection() as conn:
            assert conn is second
    assert pool.get_stats()["pool_size"] == 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
async def test_each_event_loop_has_its_own_pool_and_closing_it_lets_the_next_open():
    pool = await aio.pg_pool()
    assert await aio.pg_pool() is pool
    await aio.aclose()
    assert pool.closed
    reopened = await aio.pg_pool()
    assert reopened is not pool and not reopened.closed


@pytest.mark.redis
async def test_the_redis_client_is_the_caches_server():
    from django.core.cache import cache

    cache.set("aio-probe", 41)
    client = aio.redis_client()
    assert await client.incr(cache.make_and_validate_key("aio-probe")) == 42
    assert cache.get("aio-probe") == 42
