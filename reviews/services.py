"""Writing reviews: post or edit one (a student, after an attended class or a completed
course), the teacher's one reply, reports, and staff hiding a review or dismissing a report.

Every change that moves what a rating counts ends in `teacher_rating_refresh` or
`course_rating_refresh`: plain averages of the visible reviews (the directory's ranking
applies its own Bayesian weighting to them, tutors/ranking.py).
"""

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from chat.services import contact_screen
from courses.models import CoursePage
from lms.infra import events
from lms.models import User
from lms.services import audit_record, notify, notify_staff
from reviews import selectors
from reviews.models import CourseRating, Report, Review
from tutors.models import Tutor

EDIT_DAYS = 30
TEXT_MAX = 4000
REASON_MAX = 2000


class ReviewError(Exception):
    """A review action refused, with a message for the person who tried it."""


# --- Checks shared by every entry point -------------------------------------------------------


def _stars(value) -> int:
    try:
        stars = int(value)
    except (TypeError, ValueError):
        stars = 0
    if not 1 <= stars <= 5:
        raise ReviewError(_("Choose from 1 to 5 stars."))
    return stars


def _moderated(text, *, empty_message) -> str:
    """The text to store, with contact details treated as the chat treats them (ChatSettings):
    masked, refused (where the chat would hold a message for review), or left."""
    text = (text or "").strip()
    if not text:
        raise ReviewError(empty_message)
    if len(text) > TEXT_MAX:
        raise ReviewError(_("Keep it under %(max)s characters.") % {"max": TEXT_MAX})
    (stored,), held, _flags = contact_screen(text)
    if held:
        raise ReviewError(
            _(
                "Reviews and replies cannot contain phone numbers, email addresses or outside links: "
                "lessons are arranged on Lyceum. Remove them and try again."
            )
        )
    return stored


def edit_deadline(review: Review) -> datetime:
    return review.created_at + timedelta(days=EDIT_DAYS)


def can_edit(review: Review, *, now: datetime | None = None) -> bool:
    return not review.is_hidden and (now or timezone.now()) <= edit_deadline(review)


def _check_editable(review: Review, now: datetime) -> None:
    if review.is_hidden:
        raise ReviewError(_("Staff hid this review, so it can no longer be changed."))
    if now > edit_deadline(review):
        raise ReviewError(
            ngettext(
                "A review can be changed for %(days)s day after it is posted; this one is now final.",
                "A review can be changed for %(days)s days after it is posted; this one is now final.",
                EDIT_DAYS,
            )
            % {"days": EDIT_DAYS}
        )


def _check_may_review(*, student: User, teacher: User | None, course: CoursePage | None, now: datetime) -> None:
    if not student.is_authenticated or not student.is_student:
        raise ReviewError(_("Only students can write reviews."))
    if teacher is not None:
        if not selectors.has_attended(student=student, teacher=teacher, now=now):
            raise ReviewError(_("You can review %(name)s after attending a class with them.") % {"name": teacher.name})
    elif not selectors.has_completed(student=student, course=course):
        raise ReviewError(_("You can review this course after completing it."))


# --- Posting and editing -----------------------------------------------------------------------


def review_submit(
    *,
    student: User,
    stars,
    text: str,
    teacher: User | None = None,
    course: CoursePage | None = None,
    now: datetime | None = None,
) -> tuple[Review, bool]:
    """Post the student's review of `teacher` or `course` — or, when they wrote one before,
    change it (within the edit window): one review per student and teacher (and per student
    and course), whichever form or tab it came from. Returns (review, created)."""
    if (teacher is None) == (course is None):
        raise ValueError("Review a teacher or a course.")
    now = now or timezone.now()
    _check_may_review(student=student, teacher=teacher, course=course, now=now)
    stars = _stars(stars)
    text = _moderated(text, empty_message=_("Write a few words about your experience."))
    subject = {"teacher": teacher} if teacher is not None else {"course": course}
    with transaction.atomic():
        existing = Review.objects.select_for_update().filter(student=student, **subject).first()
        if existing is None:
            try:
                with transaction.atomic():
                    review = Review.objects.create(student=student, stars=stars, text=text, created_at=now, **subject)
            except IntegrityError:  # the same review posted meanwhile (a double click, another tab)
                existing = Review.objects.select_for_update().get(student=student, **subject)
            else:
                _ratings_refresh(review)
                transaction.on_commit(lambda: _tell_teachers(review), robust=True)
                events.publish(
                    "review.posted",
                    {"review": review.pk, "teacher": review.teacher_id, "course": review.course_id, "stars": stars},
                )
                return review, True
        return _edit(existing, stars=stars, text=text, now=now), False


def review_edit(*, student: User, review_id: int, stars, text: str, now: datetime | None = None) -> Review:
    now = now or timezone.now()
    stars = _stars(stars)
    text = _moderated(text, empty_message=_("Write a few words about your experience."))
    with transaction.atomic():
        review = Review.objects.select_for_update().filter(pk=review_id, student=student).first()
        if review is None:
            raise ReviewError(_("That review is not yours."))
        return _edit(review, stars=stars, text=text, now=now)


def _edit(review: Review, *, stars: int, text: str, now: datetime) -> Review:
    if review.stars == stars and review.text == text:
        return review  # the same form sent again: nothing changes
    _check_editable(review, now)
    review.stars, review.text, review.edited_at = stars, text, now
    review.save(update_fields=["stars", "text", "edited_at"])
    _ratings_refresh(review)
    return review


def review_url(review: Review) -> str:
    if review.teacher_id:
        return reverse("reviews:teacher_list", args=[review.teacher_id]) + f"#review-{review.pk}"
    return reverse("reviews:course_list", args=[review.course_id]) + f"#review-{review.pk}"


def _tell_teachers(review: Review) -> None:
    if review.teacher_id:
        teachers = [review.teacher]
        title = format_lazy(_("{name} reviewed your classes: {stars}/5"), name=review.student.name, stars=review.stars)
    else:
        course = review.course.specific
        teachers = course.teacher_users()
        title = format_lazy(
            _("{name} reviewed {course}: {stars}/5"), name=review.student.name, course=course.title, stars=review.stars
        )
    for teacher in teachers:
        notify(
            user=teacher,
            kind="review",
            title=title,
            body=_("You can reply once, below the review."),
            url=review_url(review),
        )


# --- The teacher's reply -------------------------------------------------------------------------


def review_reply(*, actor: User, review_id: int, text: str, now: datetime | None = None) -> Review:
    """The reviewed teacher answers, once: a reply is never replaced by a second one."""
    now = now or timezone.now()
    text = _moderated(text, empty_message=_("Write your reply."))
    with transaction.atomic():
        review = Review.objects.select_for_update().select_related("student").filter(pk=review_id).first()
        if review is None or review.is_hidden:
            raise ReviewError(_("That review is not there any more."))
        if not selectors.may_reply(user=actor, review=review):
            raise ReviewError(_("Only the reviewed teacher can reply."))
        if review.replied_at is not None:
            raise ReviewError(_("You have already replied to this review; a reply cannot be changed."))
        review.reply, review.replied_by, review.replied_at = text, actor, now
        review.save(update_fields=["reply", "replied_by", "replied_at"])
        transaction.on_commit(lambda: _tell_student(review, actor), robust=True)
    return review


def _tell_student(review: Review, teacher: User) -> None:
    notify(
        user=review.student,
        kind="review",
        title=format_lazy(_("{name} replied to your review"), name=teacher.name),
        url=review_url(review),
    )


# --- Reports and moderation ------------------------------------------------------------------------


def review_report(*, reporter: User, review_id: int, reason: str) -> tuple[Report, bool]:
    """A signed-in user sends a review to the moderation queue; a second report of theirs on
    the same review is the first one. Returns (report, created)."""
    if not reporter.is_authenticated:
        raise ReviewError(_("Sign in to report a review."))
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError(_("Say what is wrong with this review."))
    if len(reason) > REASON_MAX:
        raise ReviewError(_("Keep it under %(max)s characters.") % {"max": REASON_MAX})
    review = Review.objects.visible().filter(pk=review_id).first()
    if review is None:
        raise ReviewError(_("That review is not there any more."))
    with transaction.atomic():
        report, created = Report.objects.get_or_create(review=review, reporter=reporter, defaults={"reason": reason})
        if created:
            transaction.on_commit(
                lambda: notify_staff(kind="review", title=_("A review was reported"), body=reason, about=report),
                robust=True,
            )
    return report, created


def _check_staff(actor: User) -> None:
    if not actor.is_platform_staff:
        raise ReviewError(_("Only staff moderate reviews."))


@transaction.atomic
def review_hide(*, actor: User, review_id: int, reason: str, now: datetime | None = None) -> Review:
    """Staff hide a review: it leaves every page and every rating; its open reports close."""
    _check_staff(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError(_("Give the reason for hiding the review."))
    now = now or timezone.now()
    review = Review.objects.select_for_update().get(pk=review_id)
    if review.is_hidden:
        return review
    review.hidden_at, review.hidden_by, review.hidden_reason = now, actor, reason
    review.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    review.reports.filter(status=Report.Status.OPEN).update(
        status=Report.Status.HIDDEN, closed_at=now, closed_by=actor, resolution=reason
    )
    audit_record(
        actor=actor, action="reviews.review.hide", target=review, changes={"hidden": (False, True)}, message=reason
    )
    _ratings_refresh(review)
    return review


@transaction.atomic
def review_unhide(*, actor: User, review_id: int) -> Review:
    _check_staff(actor)
    review = Review.objects.select_for_update().get(pk=review_id)
    if not review.is_hidden:
        return review
    reason = review.hidden_reason
    review.hidden_at, review.hidden_by, review.hidden_reason = None, None, ""
    review.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    audit_record(
        actor=actor, action="reviews.review.unhide", target=review, changes={"hidden": (True, False)}, message=reason
    )
    _ratings_refresh(review)
    return review


@transaction.atomic
def report_dismiss(*, actor: User, report_id: int, resolution: str = "", now: datetime | None = None) -> Report:
    """Staff keep the review: the report closes, the review stays as it is."""
    _check_staff(actor)
    report = Report.objects.select_for_update().get(pk=report_id)
    if report.status != Report.Status.OPEN:
        return report
    report.status, report.closed_at, report.closed_by = Report.Status.DISMISSED, now or timezone.now(), actor
    report.resolution = (resolution or "").strip()
    report.save(update_fields=["status", "closed_at", "closed_by", "resolution"])
    audit_record(
        actor=actor,
        action="reviews.report.dismiss",
        target=report,
        changes={"status": (Report.Status.OPEN, Report.Status.DISMISSED)},
        message=report.resolution,
    )
    return report


# --- Ratings -----------------------------------------------------------------------------------------


def _average(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def teacher_rating_refresh(*, teacher_id: int) -> None:
    """The teacher's Tutor row counts and averages their visible reviews (a teacher who is not
    on the marketplace has no row, and gets none)."""
    found = Review.objects.visible().filter(teacher_id=teacher_id).aggregate(n=Count("id"), avg=Avg("stars"))
    Tutor.objects.filter(user_id=teacher_id).update(rating_count=found["n"], rating_average=_average(found["avg"]))


def course_rating_refresh(*, course_id: int) -> CourseRating:
    found = Review.objects.visible().filter(course_id=course_id).aggregate(n=Count("id"), avg=Avg("stars"))
    rating, _created = CourseRating.objects.update_or_create(
        course_id=course_id, defaults={"count": found["n"], "average": _average(found["avg"])}
    )
    return rating


def _ratings_refresh(review: Review) -> None:
    if review.teacher_id:
        teacher_rating_refresh(teacher_id=review.teacher_id)
    else:
        course_rating_refresh(course_id=review.course_id)
