from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate


class LmsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lms"
    verbose_name = "Lyceum"

    def ready(self):
        from lms.i18n import content_locales_ensure
        from lms.infra import pagecache
        from lms.roles import role_groups_ensure
        from lms.services import language_remember

        # Permissions exist only after migrate, so the role groups are refreshed then.
        post_migrate.connect(role_groups_ensure, dispatch_uid="lms.role_groups_ensure")
        # Wagtail's locales follow settings.LANGUAGES: a language added there can hold pages.
        post_migrate.connect(content_locales_ensure, dispatch_uid="lms.content_locales_ensure")
        # Someone who never chose a language is written to (emails, notifications, chat) in the
        # one they first signed in with.
        user_logged_in.connect(language_remember, dispatch_uid="lms.language_remember")
        # The shared page cache's one registry of what invalidates it (lms/infra/pagecache.py).
        pagecache.connect()


class LmsAdminConfig(AdminConfig):
    """Django admin with Lyceum's site: every staff action is audited."""

    default_site = "lms.admin_site.LyceumAdminSite"
