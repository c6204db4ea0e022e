"""The board's rules: who posts what, the contact blocker, expiry, matching (the ranking's
best N, each told once), applications and accepting one."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_q.models import Schedule

from board import services, tasks
from board.models import Application, ApplicationStatus, MatchNotice, Post, PostKind, PostStatus
from board.tests.factories import apply, make_position, make_request, make_tutor, subject
from chat.models import ChatSettings, ContactAction, Conversation, Message
from chat.selectors import conversation_between
from lms.models import AuditLogEntry, Notification, Role
from lms.tests.factories import make_user

# Monday to Friday, 17:00–21:00 UTC: a student in UTC's "weekday evenings".
WEEKDAY_EVENINGS = [day * 24 + hour for day in range(5) for hour in range(17, 22)]
WEEKEND_MORNINGS = [day * 24 + hour for day in (5, 6) for hour in range(6, 12)]


def board_titles(user):
    return list(Notification.objects.filter(user=user, kind="board").values_list("title", flat=True))


# --- Posting ----------------------------------------------------------------------------


def test_a_request_is_open_for_thirty_days_in_the_posters_zone(student):
    student.time_zone = "Asia/Kolkata"
    student.save()
    post = make_request(student, learner_name="My son Arjun")
    assert post.status == PostStatus.OPEN and post.is_open
    assert post.time_zone == "Asia/Kolkata" and post.learner_name == "My son Arjun"
    assert post.expires_at - post.created_at == timedelta(days=30)


@pytest.mark.parametrize(
    "changes, error",
    [
        ({"description": "  "}, "Describe what you are looking for."),
        ({"times": ["tuesday-midnight"]}, "Pick preferred times from the list."),
        ({"lesson_minutes": 50}, "A lesson lasts 30, 45 or 60 minutes."),
        ({"budget": 0}, "The amount must be more than zero."),
        ({"kind": PostKind.POSITION, "title": "Maths"}, "Only the school's staff can post teaching positions."),
    ],
)
def test_invalid_posts_are_refused(student, changes, error):
    with pytest.raises(services.BoardError, match=error):
        make_request(student, **changes)
    assert not Post.objects.exists()


def test_teachers_do_not_post_requests_and_positions_need_a_title(teacher, staff_user):
    with pytest.raises(services.BoardError, match="Only students can post tutoring requests"):
        make_request(teacher)
    with pytest.raises(services.BoardError, match="A teaching position needs a title"):
        make_position(staff_user, title="")


def test_contact_details_in_a_post_are_masked(student):
    post = make_request(student, description="Call me on +44 20 7946 0958 or write to mum@example.com")
    assert "7946" not in post.description and "mum@example.com" not in post.description
    assert "[removed]" in post.description and post.flags == ["email", "phone"]
    assert post.is_open


def test_with_hold_a_post_with_contact_details_waits_for_staff(student, staff_user, tutor):
    ChatSettings.objects.update_or_create(pk=1, defaults={"contact_action": ContactAction.HOLD})
    post = make_request(student, description="Text me: mum@example.com")
    assert post.hidden_at and not post.is_open and "mum@example.com" in post.description
    assert not Post.objects.open().exists()
    services.post_show(actor=staff_user, post=post)
    assert Post.objects.open().get() == post
    assert AuditLogEntry.objects.filter(action="board.post.show", actor=staff_user).exists()


def test_posts_expire_by_the_scheduled_task(student, time_machine):
    post = make_request(student)
    assert Schedule.objects.filter(name="board.posts_expire", func="board.tasks.posts_expire").exists()
    time_machine.move_to(timezone.now() + timedelta(days=29))
    assert tasks.posts_expire() == "expired 0"
    time_machine.move_to(timezone.now() + timedelta(days=2))
    assert not Post.objects.open().exists()  # past its date, even before the task runs
    assert tasks.posts_expire() == "expired 1"
    post.refresh_from_db()
    assert post.status == PostStatus.EXPIRED


def test_the_author_closes_their_post_and_nobody_else_can(student, other_student):
    post = make_request(student)
    with pytest.raises(services.BoardError):
        services.post_close(actor=other_student, post_id=post.pk)
    services.post_close(actor=student, post_id=post.pk)
    services.post_close(actor=student, post_id=post.pk)  # twice: no change
    post.refresh_from_db()
    assert post.status == PostStatus.CLOSED


def test_staff_hide_a_post_with_a_reason_audited_and_the_author_is_told(student, staff_user, teacher):
    post = make_request(student)
    with pytest.raises(services.BoardError):
        services.post_hide(actor=teacher, post=post, reason="No")
    services.post_hide(actor=staff_user, post=post, reason="Not a tutoring request.")
    post.refresh_from_db()
    assert post.hidden_at and post.hidden_reason == "Not a tutoring request."
    entry = AuditLogEntry.objects.get(action="board.post.hide")
    assert entry.actor == staff_user and entry.changes["hidden_reason"] == ["", "Not a tutoring request."]
    assert "was hidden by staff" in board_titles(student)[0]


# --- Matching ----------------------------------------------------------------------------


@pytest.fixture
def three_tutors(db):
    free = make_tutor(make_user(Role.TEACHER, display_name="Fiona Free"), hours=WEEKDAY_EVENINGS)
    busy = make_tutor(make_user(Role.TEACHER, display_name="Bob Busy"), hours=WEEKEND_MORNINGS)
    physics = make_tutor(
        make_user(Role.TEACHER, display_name="Phil Physics"), subjects=("Physics",), hours=WEEKDAY_EVENINGS
    )
    return free, busy, physics


def test_the_best_matched_tutor_is_told_by_the_worker(
    student, three_tutors, settings, django_capture_on_commit_callbacks
):
    settings.BOARD_MATCH_NOTIFY = 1
    free, busy, physics = three_tutors
    with django_capture_on_commit_callbacks(execute=True):
        post = make_request(student)
    assert board_titles(free.user) == ["A student is looking for a Mathematics tutor"]
    assert board_titles(busy.user) == [] and board_titles(physics.user) == []
    assert list(MatchNotice.objects.values_list("tutor", flat=True)) == [free.pk]
    # A retried task tells nobody twice.
    assert services.request_match(post_id=post.pk) == []
    assert tasks.request_match(post.pk) == "notified 0"
    assert len(board_titles(free.user)) == 1


def test_the_top_n_of_the_subject_are_told_never_another_subject(student, three_tutors, settings):
    settings.BOARD_MATCH_NOTIFY = 5
    free, busy, physics = three_tutors
    post = make_request(student)
    assert services.request_match(post_id=post.pk) == [free.user_id, busy.user_id]  # ranked order
    assert board_titles(physics.user) == []
    assert services.request_match(post_id=post.pk) == []
    assert MatchNotice.objects.count() == 2


def test_a_closed_request_is_not_matched(student, three_tutors):
    post = make_request(student)
    services.post_close(actor=student, post_id=post.pk)
    assert services.request_match(post_id=post.pk) == []


# --- Applications --------------------------------------------------------------------------


def test_one_application_per_tutor_a_second_edits_the_first(request_post, tutor, student):
    first = apply(tutor.user, request_post)
    second = apply(tutor.user, request_post, message="Updated: I can start next week.", rate=3200)
    assert first.pk == second.pk and Application.objects.count() == 1
    second.refresh_from_db()
    assert second.rate == 3200 and second.message == "Updated: I can start next week."
    assert len([t for t in board_titles(student) if "applied to" in t]) == 1  # told once
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(post=request_post, applicant=tutor.user, message="x", rate=100)


def test_withdraw_then_apply_again(request_post, tutor):
    apply(tutor.user, request_post)
    withdrawn = services.application_withdraw(applicant=tutor.user, post_id=request_post.pk)
    assert withdrawn.status == ApplicationStatus.WITHDRAWN
    again = apply(tutor.user, request_post)
    assert again.status == ApplicationStatus.PENDING and Application.objects.count() == 1


def test_contact_details_in_an_application_are_masked(request_post, tutor):
    application = apply(tutor.user, request_post, message="Email me at tess@example.com, or www.tess-tutors.com")
    assert "tess@example.com" not in application.message and "tess-tutors" not in application.message
    assert application.flags == ["email", "link"]


@pytest.mark.parametrize("rate", [0, -5, None])
def test_the_rate_must_be_positive(request_post, tutor, rate):
    with pytest.raises(services.BoardError, match="The rate must be more than zero"):
        apply(tutor.user, request_post, rate=rate)


def test_students_and_authors_cannot_apply_nor_to_a_closed_post(request_post, student, other_student, tutor):
    for user in (student, other_student):
        with pytest.raises(services.BoardError, match="Only teachers"):
            apply(user, request_post)
    services.post_close(actor=student, post_id=request_post.pk)
    with pytest.raises(services.BoardError, match="no longer open"):
        apply(tutor.user, request_post)


# --- Accepting -------------------------------------------------------------------------------


def test_accepting_opens_a_conversation_and_tells_everyone(request_post, student, tutor, other_tutor):
    chosen = apply(tutor.user, request_post, message="I have taught GCSE algebra for ten years.")
    other = apply(other_tutor.user, request_post)
    application, conversation = services.application_accept(actor=student, application_id=chosen.pk)
    assert application.status == ApplicationStatus.ACCEPTED
    request_post.refresh_from_db()
    other.refresh_from_db()
    assert request_post.status == PostStatus.FILLED and other.status == ApplicationStatus.DECLINED
    assert conversation_between(user=student, other=tutor.user) == conversation
    assert list(Message.objects.filter(conversation=conversation).values_list("sender", "body")) == [
        (tutor.user_id, "I have taught GCSE algebra for ten years.")
    ]
    assert any("chose you" in title for title in board_titles(tutor.user))
    assert board_titles(other_tutor.user)[-1].endswith("has been filled")
    notice = other_tutor.user.notifications.filter(kind="board").latest("pk")
    assert "Thank you for applying" in notice.body


def test_accepting_twice_changes_nothing(request_post, student, tutor, other_tutor):
    chosen = apply(tutor.user, request_post)
    other = apply(other_tutor.user, request_post)
    _, conversation = services.application_accept(actor=student, application_id=chosen.pk)
    counts = Notification.objects.count(), Message.objects.count()
    _, again = services.application_accept(actor=student, application_id=chosen.pk)
    assert again == conversation and (Notification.objects.count(), Message.objects.count()) == counts
    # Accepting the other one now: the post is filled, nothing changes.
    with pytest.raises(services.BoardError, match="no longer open"):
        services.application_accept(actor=student, application_id=other.pk)
    other.refresh_from_db()
    assert other.status == ApplicationStatus.DECLINED
    assert Conversation.objects.count() == 1


def test_accepting_on_a_closed_post_changes_nothing(request_post, student, tutor):
    chosen = apply(tutor.user, request_post)
    services.post_close(actor=student, post_id=request_post.pk)
    with pytest.raises(services.BoardError):
        services.application_accept(actor=student, application_id=chosen.pk)
    chosen.refresh_from_db()
    assert chosen.status == ApplicationStatus.PENDING and not Conversation.objects.exists()


def test_only_the_author_accepts(request_post, other_student, tutor, staff_user):
    chosen = apply(tutor.user, request_post)
    for user in (other_student, tutor.user, staff_user):
        with pytest.raises(services.BoardError, match="Only the author"):
            services.application_accept(actor=user, application_id=chosen.pk)


def test_a_school_posts_a_position_and_a_teacher_applies_and_is_chosen(staff_user, teacher, student):
    with pytest.raises(services.BoardError):
        make_position(student)
    position = make_position(staff_user)
    assert position.kind == PostKind.POSITION and position.subject == subject("Physics")
    application = apply(teacher, position, message="I taught physics summer schools for five years.", rate=4000)
    _, conversation = services.application_accept(actor=staff_user, application_id=application.pk)
    assert conversation.has_participant(teacher) and conversation.has_participant(staff_user)
    position.refresh_from_db()
    assert position.status == PostStatus.FILLED
