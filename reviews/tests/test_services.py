"""The rules of reviews, through the services: who may review, one per pair, the edit
window, one reply, the contact-information blocker, moderation and the ratings."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from chat.models import ChatSettings, ContactAction
from lms.models import AuditLogEntry, Notification, Role
from lms.tests.factories import make_user
from reviews import services
from reviews.models import CourseRating, Report, Review
from reviews.tests.factories import attended_class, completed_course
from tutors.models import Tutor

pytestmark = pytest.mark.django_db


def test_no_attended_class_is_refused_and_nothing_stored(teacher, student):
    with pytest.raises(services.ReviewError, match="after attending a class"):
        services.review_submit(student=student, teacher=teacher, stars=5, text="Great")
    assert not Review.objects.exists()


def test_a_no_show_or_an_unmarked_class_without_join_does_not_count(teacher, student):
    attended_class(teacher, student, attendance="no_show")
    attended_class(teacher, student, days_ago=4, attendance="")
    with pytest.raises(services.ReviewError):
        services.review_submit(student=student, teacher=teacher, stars=5, text="Great")


def test_a_future_class_does_not_count(teacher, student):
    attended_class(teacher, student, days_ago=-3, attendance="")
    with pytest.raises(services.ReviewError):
        services.review_submit(student=student, teacher=teacher, stars=5, text="Great")


def test_attended_student_reviews_and_the_teacher_is_told(
    teacher, student, attended, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        review, created = services.review_submit(student=student, teacher=teacher, stars=4, text="Clear and kind")
    assert created and review.stars == 4
    note = Notification.objects.get(user=teacher, kind="review")
    assert "Sam Student" in note.title and "4/5" in note.title
    assert note.url.endswith(f"#review-{review.pk}")


def test_one_review_per_student_and_teacher(teacher, student, attended):
    services.review_submit(student=student, teacher=teacher, stars=4, text="Clear and kind")
    again, created = services.review_submit(student=student, teacher=teacher, stars=4, text="Clear and kind")
    assert not created
    changed, created = services.review_submit(student=student, teacher=teacher, stars=5, text="Even better")
    assert not created and changed.pk == again.pk
    assert Review.objects.filter(student=student, teacher=teacher).count() == 1
    assert Review.objects.get().stars == 5


def test_the_database_refuses_a_second_review_of_the_same_teacher(teacher, student, attended):
    from django.db import IntegrityError, transaction

    services.review_submit(student=student, teacher=teacher, stars=4, text="Clear")
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(student=student, teacher=teacher, stars=1, text="Twice")


def test_course_review_after_completing_only(teacher, student, django_capture_on_commit_callbacks):
    course = completed_course(teacher, student)
    other = make_user(Role.STUDENT, email="other@example.com")
    with pytest.raises(services.ReviewError, match="after completing it"):
        services.review_submit(student=other, course=course, stars=5, text="Nice")
    with django_capture_on_commit_callbacks(execute=True):
        _review, created = services.review_submit(student=student, course=course, stars=5, text="Nice")
    assert created
    _again, created = services.review_submit(student=student, course=course, stars=5, text="Nice")
    assert not created and Review.objects.filter(course=course).count() == 1
    rating = CourseRating.objects.get(course=course)
    assert (rating.count, rating.average) == (1, Decimal("5.00"))
    assert Notification.objects.filter(user=teacher, kind="review").exists()


@pytest.mark.parametrize(("days", "allowed"), [(29, True), (30, True), (31, False)])
def test_editable_for_30_days(teacher, student, attended, days, allowed):
    review, _ = services.review_submit(student=student, teacher=teacher, stars=3, text="OK")
    later = review.created_at + timedelta(days=days)
    if allowed:
        services.review_edit(student=student, review_id=review.pk, stars=5, text="Better now", now=later)
        assert Review.objects.get().text == "Better now"
    else:
        with pytest.raises(services.ReviewError, match="30 days"):
            services.review_edit(student=student, review_id=review.pk, stars=5, text="Better now", now=later)
        assert Review.objects.get().text == "OK"


def test_someone_else_cannot_edit(teacher, student, attended):
    review, _ = services.review_submit(student=student, teacher=teacher, stars=3, text="OK")
    other = make_user(Role.STUDENT, email="other@example.com")
    with pytest.raises(services.ReviewError):
        services.review_edit(student=other, review_id=review.pk, stars=1, text="Bad")


def test_stars_must_be_one_to_five(teacher, student, attended):
    for stars in (0, 6, "x", None):
        with pytest.raises(services.ReviewError, match="1 to 5"):
            services.review_submit(student=student, teacher=teacher, stars=stars, text="OK")
    assert not Review.objects.exists()


def test_the_teacher_replies_once_and_the_student_is_told(
    teacher, other_teacher, student, attended, django_capture_on_commit_callbacks
):
    review, _ = services.review_submit(student=student, teacher=teacher, stars=5, text="Great")
    with pytest.raises(services.ReviewError, match="Only the reviewed teacher"):
        services.review_reply(actor=other_teacher, review_id=review.pk, text="Me too")
    with django_capture_on_commit_callbacks(execute=True):
        services.review_reply(actor=teacher, review_id=review.pk, text="Thank you!")
    with pytest.raises(services.ReviewError, match="already replied"):
        services.review_reply(actor=teacher, review_id=review.pk, text="A second reply")
    review.refresh_from_db()
    assert review.reply == "Thank you!"
    assert Notification.objects.filter(user=student, kind="review", title__contains="Tess Teacher").exists()


def test_contact_details_masked_as_the_chat_masks_them(teacher, student, attended):
    review, _ = services.review_submit(
        student=student, teacher=teacher, stars=5, text="Write to me at sam@example.org or call +44 20 7946 0958"
    )
    assert "sam@example.org" not in review.text and "7946" not in review.text
    assert "[removed]" in review.text


def test_contact_details_refused_where_the_chat_holds_them(teacher, student, attended):
    ChatSettings.objects.update_or_create(pk=1, defaults={"contact_action": ContactAction.HOLD})
    with pytest.raises(services.ReviewError, match="cannot contain phone numbers"):
        services.review_submit(student=student, teacher=teacher, stars=5, text="Mail sam@example.org")
    assert not Review.objects.exists()
    review, _ = services.review_submit(student=student, teacher=teacher, stars=5, text="Lovely")
    with pytest.raises(services.ReviewError, match="cannot contain phone numbers"):
        services.review_reply(actor=teacher, review_id=review.pk, text="Call me on +44 20 7946 0958")
    assert Review.objects.get().reply == ""


def test_ratings_are_plain_averages_of_visible_reviews(teacher, staff_user):
    tutor = Tutor.objects.create(user=teacher)
    students = [make_user(Role.STUDENT, email=f"s{n}@example.com") for n in range(3)]
    reviews = []
    for n, (someone, stars) in enumerate(zip(students, (5, 4, 1), strict=True)):
        attended_class(teacher, someone, days_ago=3 + n)
        reviews.append(services.review_submit(student=someone, teacher=teacher, stars=stars, text="Fine")[0])
    tutor.refresh_from_db()
    assert (tutor.rating_count, tutor.rating_average) == (3, Decimal("3.33"))

    services.review_hide(actor=staff_user, review_id=reviews[2].pk, reason="Abusive")
    tutor.refresh_from_db()
    assert (tutor.rating_count, tutor.rating_average) == (2, Decimal("4.50"))

    services.review_edit(student=students[0], review_id=reviews[0].pk, stars=3, text="Fine")
    tutor.refresh_from_db()
    assert tutor.rating_average == Decimal("3.50")

    services.review_unhide(actor=staff_user, review_id=reviews[2].pk)
    tutor.refresh_from_db()
    assert (tutor.rating_count, tutor.rating_average) == (3, Decimal("2.67"))


def test_a_teacher_without_a_tutor_row_gets_none(teacher, student, attended):
    services.review_submit(student=student, teacher=teacher, stars=5, text="Great")
    assert not Tutor.objects.filter(user=teacher).exists()


def test_report_then_hide_closes_reports_and_is_audited(
    teacher, student, attended, staff_user, django_capture_on_commit_callbacks
):
    review, _ = services.review_submit(student=student, teacher=teacher, stars=1, text="Rubbish")
    with django_capture_on_commit_callbacks(execute=True):
        report, created = services.review_report(reporter=teacher, review_id=review.pk, reason="Not true")
    again, created_again = services.review_report(reporter=teacher, review_id=review.pk, reason="Not true")
    assert created and not created_again and again.pk == report.pk
    assert Notification.objects.filter(user=staff_user, kind="review").exists()
    with pytest.raises(services.ReviewError, match="Only staff"):
        services.review_hide(actor=teacher, review_id=review.pk, reason="Mine")
    with pytest.raises(services.ReviewError, match="reason"):
        services.review_hide(actor=staff_user, review_id=review.pk, reason=" ")
    services.review_hide(actor=staff_user, review_id=review.pk, reason="Personal attack")
    report.refresh_from_db()
    assert report.status == Report.Status.HIDDEN and report.resolution == "Personal attack"
    entry = AuditLogEntry.objects.get(action="reviews.review.hide")
    assert entry.actor == staff_user and entry.message == "Personal attack" and entry.target_id == str(review.pk)
    assert not Review.objects.visible().exists()
    with pytest.raises(services.ReviewError, match="hid this review"):
        services.review_edit(student=student, review_id=review.pk, stars=5, text="Sorry", now=timezone.now())
    with pytest.raises(services.ReviewError):
        services.review_report(reporter=teacher, review_id=review.pk, reason="Again")


def test_dismiss_keeps_the_review(teacher, student, attended, staff_user):
    review, _ = services.review_submit(student=student, teacher=teacher, stars=2, text="Meh")
    report, _ = services.review_report(reporter=teacher, review_id=review.pk, reason="Unfair")
    services.report_dismiss(actor=staff_user, report_id=report.pk, resolution="Honest opinion")
    report.refresh_from_db()
    assert report.status == Report.Status.DISMISSED
    assert Review.objects.visible().count() == 1
    assert AuditLogEntry.objects.filter(action="reviews.report.dismiss").exists()
