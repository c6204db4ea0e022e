from django.db.models import QuerySet

from lms.models import User
from push.models import PushSubscription


def devices_of(*, user: User) -> QuerySet[PushSubscription]:
    """The devices `user` gets push notifications on, newest first."""
    return PushSubscription.objects.filter(user=user)
