from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from live import services
from live.models import Dispute, JoinClick, LiveClass, Participant, ReminderDelivery
from live.services import BookingError
from live.tests.conftest import SLOT
from lms.models import Notification, Role
from lms.tests.factories import make_user


def ics_of(message):
    (attachment,) = [a for a in message.attachments if a[0] == "invite.ics"]
    assert "text/calendar" in attachment[2]
    return Calendar.from_ical(attachment[1])


def invite_to(mailoutbox, email):
    (message,) = [m for m in mailoutbox if m.to == [email] and any(a[0] == "invite.ics" for a in m.attachments)]
    return message


def event_of(message):
    calendar = ics_of(message)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


# --- Requesting ------------------------------------------------------------------------


def test_request_holds_the_slot_and_tells_the_teacher(pending, london_teacher, student):
    assert pending.status == LiveClass.Status.PENDING
    assert (pending.start, pending.end) == (SLOT, SLOT + timedelta(hours=1))
    assert pending.participants.get().note == "Algebra, please"
    note = Notification.objects.get(user=london_teacher, kind="live")
    assert "Sam Student" in note.title and "Tue, 3 Mar 2026, 10:00 (Europe/London)" in note.title


@pytest.mark.parametrize(
    ("start", "message"),
    [
        (datetime(2026, 3, 1, 10, 0, tzinfo=UTC), "already passed"),
        (datetime(2026, 3, 2, 9, 0, tzinfo=UTC), "notice"),
        (datetime(2026, 3, 3, 20, 0, tzinfo=UTC), "not one of"),  # outside the weekly hours
        (datetime(2026, 3, 7, 10, 0, tzinfo=UTC), "not one of"),  # a Saturday
        (datetime(2026, 3, 3, 10, 17, tzinfo=UTC), "not one of"),  # forged: not on the slot grid
        (datetime(2026, 9, 1, 10, 0, tzinfo=UTC), "days ahead"),
        (None, "Choose one of the free times"),
    ],
)
def test_bad_slots_are_refused_and_nothing_is_booked(student, london_teacher, start, message):
    with pytest.raises(BookingError, match=message):
        services.booking_request(student=student, teacher=london_teacher, start=start)
    assert not LiveClass.objects.exists()


def test_an_overlapping_request_is_refused(pending, london_teacher):
    other = make_user(Role.STUDENT)
    with pytest.raises(BookingError, match="just taken"):
        services.booking_request(student=other, teacher=london_teacher, start=SLOT)
    assert LiveClass.objects.count() == 1


def test_student_cannot_be_in_two_classes_at_once(pending, student, other_teacher):
    from live.tests.factories import availability_set

    availability_set(other_teacher, zone="Europe/London")
    with pytest.raises(BookingError, match="already have a class"):
        services.booking_request(student=student, teacher=other_teacher, start=SLOT)


def test_only_students_book_and_only_accepting_teachers(london_teacher, other_teacher, staff_user):
    with pytest.raises(BookingError, match="Only students"):
        services.booking_request(student=other_teacher, teacher=london_teacher, start=SLOT)
    student = make_user(Role.STUDENT)
    with pytest.raises(BookingError, match="not taking bookings"):
        services.booking_request(student=student, teacher=other_teacher, start=SLOT)
    with pytest.raises(BookingError, match="does not take bookings"):
        services.booking_request(student=student, teacher=staff_user, start=SLOT)


# --- Approving, declining, expiring ----------------------------------------------------


def test_approval_makes_a_link_and_sends_ics_to_both_and_the_cc(
    pending, london_teacher, student, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.BOOKING_CC_EMAIL = "bookings@lyceum.test"
    with django_capture_on_commit_callbacks(execute=True):
        live_class = services.booking_approve(actor=london_teacher, live_class_id=pending.pk)
    assert live_class.status == LiveClass.Status.CONFIRMED
    assert live_class.meeting_provider == "jitsi"
    assert live_class.meeting_url.startswith("https://meet.jit.si/lyceum-") and len(live_class.meeting_id) > 25
    invitations = {m.to[0]: m for m in mailoutbox if any(a[0] == "invite.ics" for a in m.attachments)}
    assert set(invitations) == {student.email, london_teacher.email, "bookings@lyceum.test"}
    calendar, event = event_of(invitations[student.email])
    assert str(calendar["method"]) == "REQUEST"
    assert str(event["uid"]) == f"{live_class.uid}@lyceum"
    assert int(event["sequence"]) == 0
    assert event.decoded("dtstart") == SLOT and event.decoded("dtend") == SLOT + timedelta(hours=1)
    attendees = [str(a) for a in event.get("attendee")]
    assert attendees == [f"mailto:{london_teacher.email}", f"mailto:{student.email}"]
    assert "Confirmed" in invitations[student.email].subject
    assert Notification.objects.filter(user=student, kind="live", title__contains="confirmed").exists()


def test_only_the_teacher_answers_and_only_once(pending, other_teacher, london_teacher, student):
    with pytest.raises(BookingError, match="Only the class's teacher"):
        services.booking_approve(actor=other_teacher, live_class_id=pending.pk)
    with pytest.raises(BookingError, match="Only the class's teacher"):
        services.booking_approve(actor=student, live_class_id=pending.pk)
    with pytest.raises(BookingError, match="why"):
        services.booking_reject(actor=london_teacher, live_class_id=pending.pk, reason="  ")
    services.booking_reject(actor=london_teacher, live_class_id=pending.pk, reason="Away that day")
    with pytest.raises(BookingError, match="already declined"):
        services.booking_approve(actor=london_teacher, live_class_id=pending.pk)
    assert Notification.objects.get(user=student, kind="live").body == "Away that day"


def test_declining_frees_the_slot(pending, london_teacher):
    services.booking_reject(actor=london_teacher, live_class_id=pending.pk, reason="Sorry")
    again = services.booking_request(student=make_user(Role.STUDENT), teacher=london_teacher, start=SLOT)
    assert again.status == LiveClass.Status.PENDING


def test_unanswered_requests_expire_before_the_start(pending, clock, student, london_teacher):
    assert services.pending_expire() == 0
    clock.move_to(SLOT - timedelta(minutes=61))
    assert services.pending_expire() == 0
    clock.move_to(SLOT - timedelta(minutes=59))
    assert services.pending_expire() == 1
    pending.refresh_from_db()
    assert pending.status == LiveClass.Status.EXPIRED
    assert Notification.objects.filter(user=student, title__contains="expired").exists()
    assert services.pending_expire() == 0
    with pytest.raises(BookingError, match="already expired"):
        services.booking_approve(actor=london_teacher, live_class_id=pending.pk)


# --- Cancel and reschedule -------------------------------------------------------------


def test_cancel_sends_cancel_with_same_uid_and_higher_sequence(
    confirmed, student, london_teacher, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.class_cancel(actor=student, live_class_id=confirmed.pk, reason="Ill")
    confirmed.refresh_from_db()
    assert confirmed.status == LiveClass.Status.CANCELLED and confirmed.cancelled_by == student
    calendar, event = event_of(invite_to(mailoutbox, london_teacher.email))
    assert str(calendar["method"]) == "CANCEL"
    assert str(event["uid"]) == f"{confirmed.uid}@lyceum" and int(event["sequence"]) == 1
    assert str(event["status"]) == "CANCELLED"
    assert Notification.objects.filter(user=london_teacher, title__contains="cancelled").exists()
    # The slot is free again.
    services.booking_request(student=make_user(Role.STUDENT), teacher=london_teacher, start=SLOT)


def test_no_cancelling_within_two_hours_except_staff(confirmed, clock, student, london_teacher, staff_user):
    clock.move_to(SLOT - timedelta(minutes=90))
    for actor in (student, london_teacher):
        with pytest.raises(BookingError, match="less than 2 hours"):
            services.class_cancel(actor=actor, live_class_id=confirmed.pk)
    services.class_cancel(actor=staff_user, live_class_id=confirmed.pk, reason="Emergency")
    assert LiveClass.objects.get(pk=confirmed.pk).status == LiveClass.Status.CANCELLED


def test_strangers_cannot_cancel(confirmed, other_teacher):
    with pytest.raises(BookingError, match="not taking part"):
        services.class_cancel(actor=other_teacher, live_class_id=confirmed.pk)
    with pytest.raises(BookingError, match="not taking part"):
        services.class_cancel(actor=make_user(Role.STUDENT), live_class_id=confirmed.pk)


def test_reschedule_keeps_uid_raises_sequence_and_frees_the_old_slot(
    confirmed, student, london_teacher, mailoutbox, django_capture_on_commit_callbacks
):
    new_start = SLOT + timedelta(days=1, hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        services.class_reschedule(actor=london_teacher, live_class_id=confirmed.pk, start=new_start)
    confirmed.refresh_from_db()
    assert (confirmed.start, confirmed.sequence, confirmed.status) == (new_start, 1, LiveClass.Status.CONFIRMED)
    calendar, event = event_of(invite_to(mailoutbox, student.email))
    assert str(calendar["method"]) == "REQUEST"
    assert str(event["uid"]) == f"{confirmed.uid}@lyceum" and int(event["sequence"]) == 1
    assert event.decoded("dtstart") == new_start
    assert Notification.objects.filter(user=student, title__contains="moved").exists()
    other = services.booking_request(student=make_user(Role.STUDENT), teacher=london_teacher, start=SLOT)
    assert other.start == SLOT
    with pytest.raises(BookingError, match="just taken"):
        services.class_reschedule(actor=student, live_class_id=confirmed.pk, start=SLOT)


def test_reschedule_refuses_forged_times(confirmed, student):
    with pytest.raises(BookingError, match="not one of"):
        services.class_reschedule(actor=student, live_class_id=confirmed.pk, start=SLOT + timedelta(minutes=7))
    with pytest.raises(BookingError, match="current time"):
        services.class_reschedule(actor=student, live_class_id=confirmed.pk, start=SLOT)


# --- Joining, attendance, recording, analytics, disputes -------------------------------


def test_join_opens_ten_minutes_before_for_participants_only(confirmed, clock, student, london_teacher, staff_user):
    with pytest.raises(BookingError, match="10 minutes"):
        services.join_record(user=student, live_class_id=confirmed.pk)
    clock.move_to(SLOT - timedelta(minutes=10))
    assert services.join_record(user=student, live_class_id=confirmed.pk) == confirmed.meeting_url
    assert services.join_record(user=london_teacher, live_class_id=confirmed.pk) == confirmed.meeting_url
    for outsider in (staff_user, make_user(Role.STUDENT), make_user(Role.TEACHER)):
        with pytest.raises(BookingError, match="participants"):
            services.join_record(user=outsider, live_class_id=confirmed.pk)
    assert JoinClick.objects.filter(live_class=confirmed).count() == 2
    clock.move_to(SLOT + timedelta(hours=1))
    with pytest.raises(BookingError, match="over"):
        services.join_record(user=student, live_class_id=confirmed.pk)


def test_attendance_recording_and_analytics(confirmed, clock, student, london_teacher, other_teacher):
    from live.selectors import teacher_analytics

    with pytest.raises(BookingError, match="has started"):
        services.attendance_mark(
            actor=london_teacher, live_class_id=confirmed.pk, student_id=student.pk, attendance="attended"
        )
    clock.move_to(SLOT + timedelta(hours=2))
    with pytest.raises(BookingError, match="Only the class's teacher"):
        services.attendance_mark(
            actor=other_teacher, live_class_id=confirmed.pk, student_id=student.pk, attendance="no_show"
        )
    with pytest.raises(BookingError, match="attended or no-show"):
        services.attendance_mark(
            actor=london_teacher, live_class_id=confirmed.pk, student_id=student.pk, attendance="x"
        )
    services.attendance_mark(
        actor=london_teacher, live_class_id=confirmed.pk, student_id=student.pk, attendance="no_show"
    )
    with pytest.raises(BookingError, match="https://"):
        services.recording_set(actor=london_teacher, live_class_id=confirmed.pk, url="javascript:alert(1)")
    services.recording_set(actor=london_teacher, live_class_id=confirmed.pk, url="https://video.example/rec/1")
    assert Notification.objects.filter(user=student, title__contains="recording").exists()
    assert teacher_analytics(teacher=london_teacher) == {
        "classes_held": 1,
        "hours_taught": 1.0,
        "no_show_rate": 100,
        "marked": 1,
    }


def test_disputes_go_to_staff(confirmed, student, staff_user, other_teacher):
    with pytest.raises(BookingError, match="participants"):
        services.dispute_raise(user=other_teacher, live_class_id=confirmed.pk, reason="Not my class at all")
    with pytest.raises(BookingError, match="sentence"):
        services.dispute_raise(user=student, live_class_id=confirmed.pk, reason="bad")
    dispute = services.dispute_raise(user=student, live_class_id=confirmed.pk, reason="The teacher never came.")
    assert Notification.objects.filter(user=staff_user, title__contains="dispute").exists()
    with pytest.raises(BookingError, match="already have an open"):
        services.dispute_raise(user=student, live_class_id=confirmed.pk, reason="The teacher never came.")
    services.dispute_close(actor=staff_user, dispute_id=dispute.pk, status="resolved", resolution="Refunded.")
    assert Dispute.objects.get().status == "resolved"
    assert Notification.objects.filter(user=student, title__contains="resolved").exists()


# --- Reminders -------------------------------------------------------------------------


def test_reminders_are_sent_once_each_even_after_a_restart(confirmed, clock, student, london_teacher):
    clock.move_to(SLOT - timedelta(hours=30))
    assert services.reminders_send() == 0
    clock.move_to(SLOT - timedelta(hours=23, minutes=58))
    assert services.reminders_send() == 2  # student and teacher, 24 h
    assert services.reminders_send() == 0  # a second worker, or the same after a restart
    clock.move_to(SLOT - timedelta(minutes=59))
    assert services.reminders_send() == 2  # 1 h
    assert services.reminders_send() == 0
    reminders = Notification.objects.filter(kind="reminder")
    assert reminders.filter(user=student).count() == 2 and reminders.filter(user=london_teacher).count() == 2
    assert ReminderDelivery.objects.count() == 4


def test_a_run_that_dies_before_commit_leaves_the_reminder_to_the_next(confirmed, clock, monkeypatch):
    clock.move_to(SLOT - timedelta(minutes=30))

    def crash(**kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(services, "notify", crash)
    with pytest.raises(RuntimeError):
        services.reminders_send()
    assert not ReminderDelivery.objects.exists()
    monkeypatch.undo()
    assert services.reminders_send() == 2
    assert services.reminders_send() == 0


def test_reminders_follow_each_persons_choice(confirmed, clock, student):
    services.live_preferences_update(user=student, remind_24h=False, remind_1h=True)
    clock.move_to(SLOT - timedelta(hours=23))
    assert services.reminders_send() == 1  # only the teacher
    clock.move_to(SLOT - timedelta(minutes=30))
    assert services.reminders_send() == 2


def test_the_tick_task_expires_and_reminds(pending, clock):
    from live.tasks import live_tick

    clock.move_to(SLOT - timedelta(minutes=30))
    assert live_tick() == "expired 1, reminded 0"


def test_the_schedule_exists_once(db):
    from django_q.models import Schedule

    assert Schedule.objects.filter(name="live-tick", func="live.tasks.live_tick").count() == 1


# --- Availability editing --------------------------------------------------------------


def test_availability_validation(teacher, student):
    from datetime import time

    with pytest.raises(BookingError, match="Only teachers"):
        services.availability_ensure(teacher=student)
    services.weekly_hours_add(teacher=teacher, weekday=0, start_time=time(9), end_time=time(12))
    with pytest.raises(BookingError, match="overlap"):
        services.weekly_hours_add(teacher=teacher, weekday=0, start_time=time(11), end_time=time(13))
    with pytest.raises(BookingError, match="after the start"):
        services.weekly_hours_add(teacher=teacher, weekday=1, start_time=time(13), end_time=time(12))
    with pytest.raises(BookingError, match="class length"):
        services.availability_update(
            teacher=teacher, accepting=True, class_minutes=7, buffer_minutes=0, min_notice_hours=1, max_days_ahead=5
        )


def test_notice_leaves_the_teacher_time_to_answer(teacher):
    with pytest.raises(BookingError, match="between 2 hours"):
        services.availability_update(
            teacher=teacher, accepting=True, class_minutes=60, buffer_minutes=0, min_notice_hours=1, max_days_ahead=5
        )


def test_feed_token_rotates(student):
    first = services.live_preferences_ensure(user=student).feed_token
    assert services.feed_token_rotate(user=student).feed_token != first


def test_participant_rows(pending, student):
    assert Participant.objects.get().student == student


def test_reminder_email_follows_the_notification_preference(
    confirmed, clock, student, london_teacher, mailoutbox, django_capture_on_commit_callbacks
):
    from lms.services import notification_preferences_set

    notification_preferences_set(user=london_teacher, email_by_kind={"reminder": False})
    clock.move_to(SLOT - timedelta(minutes=50))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_send() == 2
    assert [m.to for m in mailoutbox] == [[student.email]]
    assert "Reminder" in mailoutbox[0].subject
    assert Notification.objects.filter(user=london_teacher, kind="reminder").count() == 1  # in-app still
