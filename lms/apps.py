from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.db.models.signals import post_delete, post_migrate, post_save


class LmsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lms"
    verbose_name = "Lyceum"

    def ready(self):
        from lms.roles import role_groups_ensure

        # Permissions exist only after migrate, so the role groups are refreshed then.
        post_migrate.connect(role_groups_ensure, dispatch_uid="lms.role_groups_ensure")

        # Signed-in users' cached pages show their name, role, photo and time zone, and the
        # bell's unread count (lms/pagecache.py).
        from lms import pagecache

        post_save.connect(
            pagecache.user_row_changed("pk"), sender="lms.User", dispatch_uid="lms.pagecache_user", weak=False
        )
        for signal in (post_save, post_delete):
            signal.connect(
                pagecache.user_row_changed("user_id"),
                sender="lms.Notification",
                dispatch_uid=f"lms.pagecache_notification_{signal is post_save}",
                weak=False,
            )


class LmsAdminConfig(AdminConfig):
    """Django admin with Lyceum's site: every staff action is audited."""

    default_site = "lms.admin_site.LyceumAdminSite"
