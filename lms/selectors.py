"""Reads of the core that need care (counts for the navigation, listing teachers)."""

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from lms.infra.validators import canonical_time_zone, time_zone_names
from lms.models import Notification, NotificationPreference, Role, User
from lms.notifications import KINDS


def unread_notification_count(*, user_id: int) -> int:
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()


def notifications_for(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)


def recent_notifications(*, user, limit: int = 3) -> list[Notification]:
    """The newest few, for the dashboards' notifications card (one query)."""
    return list(notifications_for(user=user).order_by("-created_at")[:limit])


def notification_preferences_for(*, user) -> list[dict]:
    """Every kind with the user's email and push choices (or their defaults) for the settings page."""
    rows = NotificationPreference.objects.filter(user=user).values_list("kind", "email", "push")
    chosen = {kind: (email, push) for kind, email, push in rows}
    return [
        {
            "kind": kind,
            "email": True if kind.email_required else chosen.get(kind.key, (kind.email_by_default,))[0],
            "push": chosen.get(kind.key, (None, None))[1] is not False,
        }
        for kind in KINDS.values()
    ]


# What the staff dashboard calls each group of people ("Staff", not "Staffs").
ROLE_PLURALS = {Role.STUDENT: _("Students"), Role.TEACHER: _("Teachers"), Role.STAFF: _("Staff")}


def user_counts_by_role() -> dict[str, int]:
    counts = dict(
        User.objects.filter(is_active=True).values_list("role").annotate(n=Count("id")).values_list("role", "n")
    )
    return {ROLE_PLURALS[role]: counts.get(role.value, 0) for role in Role}


def recent_signups(*, limit: int = 8):
    return User.objects.order_by("-date_joined")[:limit]


def device_time_zone_offer(*, profile_zone: str, device_zone: str, kept_zone: str = "") -> str | None:
    """The zone the device reports, to offer in place of the profile's, or None when they
    name the same zone, the device's is unknown, or the user chose to keep theirs while the
    device was in this zone."""
    device = canonical_time_zone(device_zone)
    if device_zone not in time_zone_names() or device == canonical_time_zone(profile_zone):
        return None
    if kept_zone and canonical_time_zone(kept_zone) == device:
        return None
    # "Etc/UTC" is what "UTC" links to; the shorter name reads better.
    return device_zone if device.startswith("Etc/") else device
