"""iCalendar for live classes: invitations (METHOD:REQUEST / CANCEL) and feeds.

A class keeps one UID for its whole life (`<uuid>@lyceum`); every change raises its
SEQUENCE, so calendar programs replace the event they already have instead of adding
another. Times are written in UTC.
"""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from live.models import LiveClass, Participant

PRODID = "-//Lyceum//Live classes//EN"
# Other events a user's feed carries, added by other apps when they start (coursework: the
# student's assignment deadlines). Each is `source(user) -> list[icalendar.Event]`.
FEED_SOURCES: list = []


def event_uid(live_class: LiveClass) -> str:
    return f"{live_class.uid}@lyceum"


def _address(user, *, role: str, partstat: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{user.email}")
    address.params["cn"] = vText(user.name)
    address.params["role"] = vText(role)
    address.params["partstat"] = vText(partstat)
    return address


def class_event(live_class: LiveClass, *, attendees, status: str = "CONFIRMED") -> Event:
    """One VEVENT (status CONFIRMED, TENTATIVE or CANCELLED); `attendees` are the students listed.
    The summary and description are in the active language: callers writing for someone
    else wrap it in `lms.i18n.recipient_language`."""
    cancelled = status == "CANCELLED"
    join_url = f"{settings.SITE_URL}{live_class.get_absolute_url()}"
    event = Event()
    event.add("uid", event_uid(live_class))
    event.add("sequence", live_class.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", live_class.start)
    event.add("dtend", live_class.end)
    event.add("summary", live_class.display_title)
    event.add(
        "description",
        _("Join from Lyceum (the button opens %(minutes)s minutes before the start): %(url)s")
        % {"minutes": settings.LIVE_JOIN_OPENS_MINUTES, "url": join_url},
    )
    event.add("url", join_url)
    event.add("location", join_url)
    event.add("status", status)
    organizer = vCalAddress(f"mailto:{live_class.teacher.email}")
    organizer.params["cn"] = vText(live_class.teacher.name)
    event.add("organizer", organizer)
    partstat = "DECLINED" if cancelled else "ACCEPTED"
    event.add("attendee", _address(live_class.teacher, role="CHAIR", partstat=partstat), encode=0)
    for student in attendees:
        event.add("attendee", _address(student, role="REQ-PARTICIPANT", partstat=partstat), encode=0)
    return event


def _calendar(method: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    return calendar


def invitation_ics(live_class: LiveClass, *, method: str, attendees) -> bytes:
    """An invitation (REQUEST) or a cancellation (CANCEL) for one class."""
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"Unknown iTIP method {method!r}")
    calendar = _calendar(method)
    calendar.add_component(
        class_event(live_class, attendees=attendees, status="CANCELLED" if method == "CANCEL" else "CONFIRMED")
    )
    return calendar.to_ical()


def feed_ics(*, user, classes) -> bytes:
    """A subscribable calendar of a user's classes (no METHOD: a published feed)."""
    calendar = _calendar()
    calendar.add("x-wr-calname", _("Lyceum live classes"))
    for live_class in classes:
        students = [
            p.student
            for p in live_class.participants.all()
            if p.status == Participant.Status.REGISTERED
            and (live_class.teacher_id == user.pk or p.student_id == user.pk)
        ]
        status = {LiveClass.Status.CONFIRMED: "CONFIRMED", LiveClass.Status.PENDING: "TENTATIVE"}.get(
            live_class.status, "CANCELLED"
        )
        calendar.add_component(class_event(live_class, attendees=students, status=status))
    for source in FEED_SOURCES:
        for event in source(user):
            calendar.add_component(event)
    return calendar.to_ical()
