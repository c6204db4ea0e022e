"""Live classes in several languages: what is written for someone (an invitation, its
calendar file) is written in the recipient's language, whoever caused it. The dates come
from Babel, so these hold before any catalog is compiled."""

import pytest
from django.utils import translation
from django.utils.translation import gettext
from icalendar import Calendar

from live import services
from live.selectors import class_title_for
from live.tests.conftest import SLOT
from lms.models import Role
from lms.tests.factories import make_user

pytestmark = pytest.mark.django_db


def _invitation(mailoutbox, email):
    (message,) = [m for m in mailoutbox if m.to == [email] and any(a[0] == "invite.ics" for a in m.attachments)]
    return message


def test_each_invitation_is_dated_in_its_recipients_language(
    pending, london_teacher, student, mailoutbox, django_capture_on_commit_callbacks
):
    student.language, london_teacher.language = "hi", "es"
    student.save(update_fields=["language"])
    london_teacher.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_approve(actor=london_teacher, live_class_id=pending.pk)
    to_student, to_teacher = _invitation(mailoutbox, student.email), _invitation(mailoutbox, london_teacher.email)
    assert "मार्च 2026" in to_student.subject and "मार्च 2026" in to_student.body
    assert "mar 2026" in to_teacher.subject and "mar 2026" in to_teacher.body
    assert "Mar 2026" not in to_student.body + to_teacher.body
    join = "Join from Lyceum (the button opens %(minutes)s minutes before the start): %(url)s"
    for message, language in ((to_student, "hi"), (to_teacher, "es")):
        (event,) = Calendar.from_ical(message.attachments[0][1]).walk("VEVENT")
        assert event.decoded("dtstart") == SLOT  # the calendar file keeps UTC
        # The calendar entry's description is in the recipient's language too.
        with translation.override(language):
            opening = gettext(join).split("%(")[0]
        assert opening != join.split("%(")[0] and opening in str(event.get("description"))


def test_a_class_with_many_students_counts_the_others(london_teacher, clock, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from live.models import LiveClass, Participant

    live_class = LiveClass.objects.create(
        kind=LiveClass.Kind.GROUP, teacher=london_teacher, start=SLOT, end=SLOT + timedelta(hours=1), capacity=10
    )
    for n in range(5):
        student = make_user(Role.STUDENT, display_name=f"Student {n}")
        Participant.objects.create(live_class=live_class, student=student)
    assert class_title_for(live_class=live_class, viewer=london_teacher) == "Live class with Student 0 and 4 others"


def test_a_reason_the_system_gave_reads_in_each_viewers_language(pending, student, london_teacher, client):
    """The worker expires a request in the site's language; each reader sees the reason in theirs."""
    with translation.override("en"):
        services.pending_expire(now=SLOT)
    pending.refresh_from_db()
    assert pending.status == "expired" and pending.reason == ""
    student.language = "es"
    student.save(update_fields=["language"])

    client.force_login(student)
    assert "El profesor no respondió a tiempo." in client.get(pending.get_absolute_url()).content.decode()
    assert "El profesor no respondió a tiempo." in client.get("/live/").content.decode()
    client.force_login(london_teacher)
    assert "The teacher did not answer in time." in client.get(pending.get_absolute_url()).content.decode()
