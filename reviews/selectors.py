"""Reads for reviews: who may review whom, the visible reviews of a teacher or a course,
a page of them in a constant number of queries."""

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Avg, Count, Exists, OuterRef, Q
from django.utils import timezone

from courses.models import CoursePage, Enrollment
from live.models import JoinClick, LiveClass, Participant
from lms.models import User
from reviews.models import Review

PAGE_SIZE = 5


def attended_classes(*, student: User, teacher: User, now: datetime | None = None):
    """Confirmed classes with `teacher` that have started and that `student` attended: marked
    "attended" by the teacher, or, while unmarked, joined (a Join click). A no-show never counts."""
    now = now or timezone.now()
    if not getattr(student, "is_authenticated", False) or not getattr(teacher, "pk", None):
        return LiveClass.objects.none()
    joined = JoinClick.objects.filter(live_class=OuterRef("live_class"), user=student)
    seats = (
        Participant.objects.filter(student=student, status=Participant.Status.REGISTERED)
        .alias(joined=Exists(joined))
        .filter(
            Q(attendance=Participant.Attendance.ATTENDED) | Q(attendance=Participant.Attendance.UNKNOWN, joined=True)
        )
    )
    return LiveClass.objects.filter(
        teacher=teacher,
        status=LiveClass.Status.CONFIRMED,
        start__lte=now,
        pk__in=seats.values("live_class_id"),
    )


def has_attended(*, student: User, teacher: User, now: datetime | None = None) -> bool:
    return attended_classes(student=student, teacher=teacher, now=now).exists()


def has_completed(*, student: User, course: CoursePage) -> bool:
    if not getattr(student, "is_authenticated", False):
        return False
    return Enrollment.objects.filter(student=student, course=course, completed_at__isnull=False).exists()


def own_review(*, student: User, teacher: User | None = None, course: CoursePage | None = None) -> Review | None:
    if not getattr(student, "is_authenticated", False):
        return None
    if teacher is not None:
        return Review.objects.filter(student=student, teacher=teacher).first()
    return Review.objects.filter(student=student, course=course).first()


def may_reply(*, user: User, review: Review) -> bool:
    """The reviewed teacher (or, for a course, one of its teachers), while the review is visible."""
    if not getattr(user, "is_authenticated", False) or not user.is_teacher or review.is_hidden:
        return False
    if review.teacher_id:
        return review.teacher_id == user.pk
    return review.course.specific.taught_by(user)


def _listed(reviews):
    return reviews.visible().select_related("student", "teacher", "replied_by").order_by("-created_at", "-id")


def teacher_reviews(*, teacher: User):
    return _listed(Review.objects.filter(teacher=teacher))


def course_reviews(*, course: CoursePage):
    return _listed(Review.objects.filter(course=course))


@dataclass(frozen=True)
class Rating:
    average: float
    count: int


def teacher_rating(*, teacher: User) -> Rating:
    """The teacher's rating as `teacher.tutor` keeps it; counted here for a teacher without one."""
    tutor = getattr(teacher, "tutor", None)  # the reverse one-to-one's "none" is an AttributeError
    if tutor is not None:
        return Rating(float(tutor.rating_average), tutor.rating_count)
    found = Review.objects.visible().filter(teacher=teacher).aggregate(n=Count("id"), avg=Avg("stars"))
    return Rating(float(found["avg"] or 0), found["n"])


def course_rating(*, course: CoursePage) -> Rating:
    rating = getattr(course, "rating", None)
    if rating is None:
        return Rating(0.0, 0)
    return Rating(float(rating.average), rating.count)


def page_of(reviews, number) -> Page:
    """One page of reviews: a count and a page, two queries however many there are."""
    return Paginator(reviews, PAGE_SIZE).get_page(number)
