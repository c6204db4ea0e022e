"""Domain events for integrations. A service publishes what happened; once its transaction
commits, every subscriber registered at start-up (the API's outgoing webhooks, api/apps.py)
receives it — so the domain apps never import the API, as the core never imports them.

    events.publish("enrolment.created", {"enrolment": 12, "course": 4, "student": 9})
"""

import uuid
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Every event there is, and what its data holds (docs/api.md lists them for integrators).
EVENTS = {
    "enrolment.created": _("A student enrolled in a course: enrolment, course, student, source."),
    "course.completed": _("A student completed a course: course, student."),
    "certificate.issued": _("A certificate was issued: code, course, student."),
    "class.requested": _("A student asked a teacher for a class: class, teacher, student, start."),
    "class.confirmed": _("The teacher confirmed a class: class, teacher, start."),
    "class.cancelled": _("A class was cancelled: class, teacher, start, cancelled_by."),
    "payment.succeeded": _("A payment went through: payment, kind, user, amount (minor units), currency, receipt."),
    "payment.refunded": _("Money went back: payment, refund, amount (minor units), currency, fully_refunded."),
    "review.posted": _("A student reviewed a teacher or a course: review, teacher, course, stars."),
}

Subscriber = Callable[[dict], None]
_subscribers: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> None:
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def publish(event: str, data: dict) -> None:
    """Tell the subscribers after the current transaction commits (never about a rolled-back one)."""
    if event not in EVENTS:
        raise ValueError(f"Unknown event {event!r}: add it to lms.infra.events.EVENTS")
    envelope = {"id": str(uuid.uuid4()), "type": event, "created": timezone.now().isoformat(), "data": data}

    def tell():
        for subscriber in _subscribers:
            subscriber(envelope)

    transaction.on_commit(tell)
