"""Demo reviews: every attended demo class and completed demo course gets a review from its
student, and each marketplace tutor (tutors.Tutor) without reviews gets a few from demo
reviewers, after past classes booked, confirmed and marked attended through the live
services. Some have the teacher's reply. Idempotent: a second run adds nothing."""

import contextlib
from datetime import timedelta

from django.utils import timezone

from courses.models import Enrollment
from live import selectors as live_selectors
from live import services as live_services
from live.models import Participant
from lms.models import Role, User
from reviews import services
from reviews.models import Review
from tutors.models import Tutor

TEXTS = [
    (5, "Explains hard ideas simply and always checks that I have understood. Every lesson felt worth it."),
    (5, "Patient, well prepared and encouraging. My exam marks went up after a month."),
    (4, "Very clear explanations and good homework. Sometimes we ran a few minutes over."),
    (5, "Friendly and structured: I always knew what we would cover and why."),
    (4, "Helpful lessons with lots of practice; I would like a bit more written feedback."),
    (3, "Knows the subject well, but the pace was too quick for me at first."),
]
REPLIES = [
    "Thank you! It was a pleasure working with you.",
    "Thanks for the kind words — keep up the good work.",
]
REVIEWERS = [
    ("amara@lyceum.test", "Amara Okafor", "Africa/Lagos"),  # the courses demo's student
    ("reviewer.lucas@lyceum.test", "Lucas Martin", "Europe/Paris"),
    ("reviewer.priya@lyceum.test", "Priya Sharma", "Asia/Kolkata"),
]


def _review(student: User, *, n: int, teacher: User | None = None, course=None) -> bool:
    stars, text = TEXTS[n % len(TEXTS)]
    subject = {"teacher": teacher} if teacher is not None else {"course": course}
    if Review.objects.filter(student=student, **subject).exists():
        return False
    try:
        review, created = services.review_submit(student=student, stars=stars, text=text, **subject)
    except services.ReviewError:
        return False
    replier = teacher or (course.specific.teacher_users() or [None])[0]
    if created and n % 2 == 0 and replier is not None:
        with contextlib.suppress(services.ReviewError):
            services.review_reply(actor=replier, review_id=review.pk, text=REPLIES[n % len(REPLIES)])
    return created


def _attended_past_class(teacher: User, student: User, *, days_ago: int) -> bool:
    """A one-to-one class `days_ago` days ago, confirmed and marked attended (through the live services)."""
    now = timezone.now()
    then = now - timedelta(days=days_ago)
    slots = live_selectors.teacher_free_slots(teacher=teacher, now=then, end=min(then + timedelta(days=7), now))
    slots = [slot for slot in slots if slot.end <= now]
    if not slots:
        return False
    try:
        live_class = live_services.booking_request(student=student, teacher=teacher, start=slots[0].start, now=then)
        live_services.booking_approve(actor=teacher, live_class_id=live_class.pk, now=then)
        live_services.attendance_mark(
            actor=teacher,
            live_class_id=live_class.pk,
            student_id=student.pk,
            attendance=Participant.Attendance.ATTENDED,
            now=slots[0].start + timedelta(minutes=5),
        )
    except live_services.BookingError:
        return False
    return True


def load(*, stdout) -> None:
    from lms.management.commands.load_demo_data import demo_user

    made = 0
    # Attended classes and completed courses the other demos made.
    seats = Participant.objects.filter(
        attendance=Participant.Attendance.ATTENDED, live_class__start__lte=timezone.now()
    ).select_related("student", "live_class__teacher")
    for n, seat in enumerate(seats):
        made += _review(seat.student, n=n, teacher=seat.live_class.teacher)
    for n, enrollment in enumerate(Enrollment.objects.filter(completed_at__isnull=False).select_related("student")):
        made += _review(enrollment.student, n=n + 1, course=enrollment.course)

    # Marketplace tutors without reviews: a few reviewers each, after a past class.
    reviewers = []
    for email, name, zone in REVIEWERS:
        user, _created = demo_user(email, name, zone)
        if user.role == Role.STUDENT:
            reviewers.append(user)
    tutors = Tutor.objects.filter(user__is_active=True, user__role=Role.TEACHER).select_related("user").order_by("pk")
    for t, tutor in enumerate(tutors):
        teacher = tutor.user
        if Review.objects.filter(teacher=teacher).exists():
            continue
        for r, reviewer in enumerate(reviewers[: 1 + t % len(reviewers)]):
            if _attended_past_class(teacher, reviewer, days_ago=8 + (3 * t + 7 * r) % 40):
                made += _review(reviewer, n=t + r, teacher=teacher)
    stdout.write(f"reviews: {made} new reviews ({Review.objects.count()} in all).")
