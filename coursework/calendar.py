"""A student's assignment deadlines as calendar events, for their live-class feed (live.calendar)."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Event

from coursework.selectors import open_deadlines


def deadline_events(user) -> list[Event]:
    """One event at each open deadline (an extension's date where there is one). The UID stays
    the same for the assignment and student, so a moved due date replaces the event."""
    events = []
    for assignment, due, course in open_deadlines(user=user):
        event = Event()
        event.add("uid", f"assignment-{assignment.pk}-{user.pk}@lyceum")
        event.add("dtstamp", timezone.now())
        event.add("dtstart", due)
        event.add("dtend", due)
        event.add("summary", _("Due: %(title)s") % {"title": assignment.title})
        event.add("description", f"{course.title} · {settings.SITE_URL}{assignment.url}")
        event.add("url", f"{settings.SITE_URL}{assignment.url}")
        event.add("transp", "TRANSPARENT")
        events.append(event)
    return events
