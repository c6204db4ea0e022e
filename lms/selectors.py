"""Reads of the core that need care (counts for the navigation, listing teachers)."""

from django.db.models import Count, QuerySet

from lms.models import Notification, NotificationPreference, Role, TeacherProfile, User
from lms.notifications import KINDS


def unread_notification_count(*, user_id: int) -> int:
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()


def notifications_for(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)


def notification_preferences_for(*, user) -> list[dict]:
    """Every kind with the user's email choice (or its default) for the settings page."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))
    return [
        {
            "kind": kind,
            "email": True if kind.email_required else chosen.get(kind.key, kind.email_by_default),
        }
        for kind in KINDS.values()
    ]


def listed_teachers() -> QuerySet[TeacherProfile]:
    return (
        TeacherProfile.objects.filter(is_listed=True, user__is_active=True, user__role=Role.TEACHER)
        .select_related("user")
        .order_by("user__display_name", "slug")
    )


def user_counts_by_role() -> dict[str, int]:
    counts = dict(
        User.objects.filter(is_active=True).values_list("role").annotate(n=Count("id")).values_list("role", "n")
    )
    return {role.label: counts.get(role.value, 0) for role in Role}


def recent_signups(*, limit: int = 8):
    return User.objects.order_by("-date_joined")[:limit]
