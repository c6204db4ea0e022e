"""Background tasks run by the django-q2 worker (`manage.py qcluster`).

Each task is safe to run twice: the broker presents a task again when it raised (that is
how failed sends are retried) or when a worker died half-way.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from lms.i18n import recipient_language
from lms.models import Notification
from lms.services import email_render


def notification_email_send(notification_id: int, template: str, context: dict, attachment=None) -> str:
    """Email one notification, at most once; raise on failure so the broker retries it.

    `attachment`: `("dotted.path", [args])`, a function returning `(filename, content, mimetype)`."""
    failure = None
    with transaction.atomic():
        notification = Notification.objects.select_for_update().select_related("user").get(pk=notification_id)
        if notification.email_sent_at is not None:
            return "already sent"
        user = notification.user
        # In the recipient's language (their welcome too), whoever caused the notification.
        with recipient_language(user):
            subject, text, html = email_render(
                template=template,
                context={**context, "user": user, "notification": notification, "site_url": settings.SITE_URL},
            )
            message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email])
            message.attach_alternative(html, "text/html")
            if attachment:  # e.g. a certificate's PDF, in their language as well
                path, args = attachment
                message.attach(*import_string(path)(*args))
        try:
            message.send()
        except Exception as exc:  # noqa: BLE001 — any transport error is retried
            failure = exc
        else:
            notification.email_sent_at = timezone.now()
            notification.email_attempts = F("email_attempts") + 1
            notification.save(update_fields=["email_sent_at", "email_attempts"])
            return "sent"
    Notification.objects.filter(pk=notification_id).update(
        email_attempts=F("email_attempts") + 1, email_last_error=str(failure)[:300]
    )
    raise failure


def email_message_send(subject: str, body: str, from_email: str, to: list[str], alternatives: list) -> None:
    """Send an email already rendered in the request (allauth's verification, reset...)."""
    message = EmailMultiAlternatives(subject, body, from_email, to)
    for content, mimetype in alternatives:
        message.attach_alternative(content, mimetype)
    message.send()
