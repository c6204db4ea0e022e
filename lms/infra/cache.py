"""The Redis cache: django-redis, with one answer changed for when Redis is unreachable.

With IGNORE_EXCEPTIONS every failed call is a logged miss, and `add` answers None. Code
that takes a lock with `add` — allauth's rate limits — then waits out its lock timeout and
refuses the request, so every sign-in would fail while Redis is down. Here a failed `add`
counts as stored: the lock is taken, and the limit, which has nowhere to count, lets the
request through.
"""

from django_redis.cache import RedisCache as DjangoRedisCache


class RedisCache(DjangoRedisCache):
    def add(self, *args, **kwargs):
        stored = super().add(*args, **kwargs)
        return True if stored is None else stored
