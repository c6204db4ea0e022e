from push import services


def notification_push_send(notification_id: int) -> int:
    return services.notification_push_send(notification_id=notification_id)
