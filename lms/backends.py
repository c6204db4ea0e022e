"""Django's and allauth's authentication backends, reading the signed-in user from the cache.

Every request of a signed-in user loads their row; that one query costs as much as serving
a cached page. The row is kept under the user's page-cache version (lms/pagecache.py),
which every save of the user bumps (password, active flag, role, profile), so a cached
copy is never older than the row: Django still checks the session's password hash and
the active flag against it, as it would against the database.
"""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.core.cache import cache

from lms import pagecache

USER_TIMEOUT = 60 * 30


class CachedUserMixin:
    def get_user(self, user_id):
        version = pagecache.user_version(user_id)
        key = f"lms:auth-user:{user_id}:{version}"
        user = cache.get(key)
        if user is None:
            user = super().get_user(user_id)
            if user is None:
                return None
            cache.set(key, user, USER_TIMEOUT)
        # The page cache keys this request's pages by the version the user was read at.
        user.page_cache_version = version
        return user


class ModelBackend(CachedUserMixin, DjangoModelBackend):
    pass


class AuthenticationBackend(CachedUserMixin, AllauthBackend):
    pass
