"""What each role may do, as Django/Wagtail permissions carried by one group per role."""

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from lms.models import Role

# Apps whose records staff run from the Django admin.
STAFF_APPS = [
    "lms",
    "courses",
    "live",
    "billing",
    "chat",
    "tutors",
    "board",
    "reviews",
    "push",  # devices people get notifications on (to remove one)
    "api",  # webhook endpoints and deliveries, personal access tokens (to revoke a leaked one)
    "account",
    "socialaccount",
    "django_q",
]


def role_groups_ensure(sender=None, **kwargs) -> None:
    """Create the three role groups and (re)grant their permissions. Idempotent.

    As a post_migrate receiver it acts once, on the last app's signal, when every
    app's permissions exist.
    """
    if sender is not None and sender is not [a for a in apps.get_app_configs() if a.models_module][-1]:
        return
    admin_access = Permission.objects.filter(
        # The teaching studio, and its "Translate" action (a copy of a course in another language).
        Q(content_type__app_label="wagtailadmin", codename="access_admin")
        | Q(content_type__app_label="simple_translation", codename="submit_translation")
    )
    groups = {role: Group.objects.get_or_create(name=role.group_name)[0] for role in Role}

    groups[Role.STUDENT].permissions.set([])
    groups[Role.TEACHER].permissions.set(admin_access)
    staff_permissions = Permission.objects.filter(
        Q(content_type__app_label__in=STAFF_APPS)
        # The audit log is for superusers only, and no one edits it.
        & ~Q(content_type__app_label="lms", content_type__model="auditlogentry")
        # Role changes go through the audited actions, not a raw permission edit.
        & ~Q(codename__in=["add_permission", "change_permission", "delete_permission"])
    )
    groups[Role.STAFF].permissions.set(list(admin_access) + list(staff_permissions))
