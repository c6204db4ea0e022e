from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.db.models.signals import post_migrate


class LmsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lms"
    verbose_name = "Lyceum"

    def ready(self):
        from lms.infra import pagecache
        from lms.roles import role_groups_ensure

        # Permissions exist only after migrate, so the role groups are refreshed then.
        post_migrate.connect(role_groups_ensure, dispatch_uid="lms.role_groups_ensure")
        # The shared page cache's one registry of what invalidates it (lms/infra/pagecache.py).
        pagecache.connect()


class LmsAdminConfig(AdminConfig):
    """Django admin with Lyceum's site: every staff action is audited."""

    default_site = "lms.admin_site.LyceumAdminSite"
