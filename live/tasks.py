"""Background tasks of the live app, run by the django-q2 worker.

`live_tick` runs every few minutes from the `live-tick` Schedule (created by migration
0003): it expires unanswered requests and sends the reminders that are due (each once).
"""

from datetime import UTC

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from live import services
from live.calendar import invitation_ics
from live.models import LiveClass, Participant
from lms.formats import when
from lms.i18n import recipient_language
from lms.models import User
from lms.services import email_render


def live_tick() -> str:
    expired = services.pending_expire()
    reminded = services.reminders_send()
    return f"expired {expired}, reminded {reminded}"


def _utc_when(live_class) -> str:
    with timezone.override(UTC):
        return f"{when(live_class.start, 'day_year_time')} (UTC)"


def _invitation_message(*, live_class, method, to, attendees, recipient, cc_copy=False) -> EmailMultiAlternatives:
    """The email and its .ics in the recipient's language (the copy in the site's)."""
    with recipient_language(recipient):
        subject, text, html = email_render(
            template="emails/live_invitation",
            context={
                "live_class": live_class,
                "method": method,
                "recipient": recipient,
                "when": services.when_for(live_class, recipient) if recipient else _utc_when(live_class),
                "cc_copy": cc_copy,
                "site_url": settings.SITE_URL,
                "class_path": live_class.get_absolute_url(),
                "join_opens_minutes": settings.LIVE_JOIN_OPENS_MINUTES,
            },
        )
        ics = invitation_ics(live_class, method=method, attendees=attendees)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to)
    message.attach_alternative(html, "text/html")
    message.attach("invite.ics", ics, f"text/calendar; charset=utf-8; method={method}")
    return message


def invitation_send(live_class_id: int, method: str, user_ids: list[int], cc: bool = False) -> str:
    """Email each person their .ics (REQUEST or CANCEL); with `cc`, the copy to BOOKING_CC_EMAIL.

    Each student's invitation lists only them (group classes never show one student
    another's address); the teacher's and the copy list every registered student.
    """
    live_class = LiveClass.objects.select_related("teacher").get(pk=live_class_id)
    students = [
        p.student
        for p in live_class.participants.select_related("student").filter(status=Participant.Status.REGISTERED)
    ]
    messages = []
    for user in User.objects.filter(pk__in=user_ids):
        attendees = students if user.pk == live_class.teacher_id else [user]
        messages.append(
            _invitation_message(
                live_class=live_class, method=method, to=[user.email], attendees=attendees, recipient=user
            )
        )
    if cc and settings.BOOKING_CC_EMAIL:
        messages.append(
            _invitation_message(
                live_class=live_class,
                method=method,
                to=[settings.BOOKING_CC_EMAIL],
                attendees=students,
                recipient=None,
                cc_copy=True,
            )
        )
    for message in messages:
        message.send()
    return f"sent {len(messages)}"
