"""The rules of discussions, through the services every view, admin action and socket uses."""

import pytest
import time_machine
from django.utils import timezone

from chat.models import ChatSettings, ContactAction
from courses.tests.factories import make_course
from discussions import selectors, services
from discussions.markdown import render
from discussions.models import Follow, Post, PostStatus, Report, Thread
from lms.models import AuditLogEntry, Notification


def ask(world, *, who="enrolled", title="Why is the sky blue?", body="I do not get **scattering**.", lesson=True):
    return services.thread_start(
        author=world[who], course=world["course"], lesson=world["lesson"] if lesson else None, title=title, body=body
    )


def notes(user, kind="discussion"):
    return list(Notification.objects.filter(user=user, kind=kind).order_by("id").values_list("title", flat=True))


def test_a_student_asks_on_a_lesson_and_the_teacher_is_told(world):
    thread = ask(world)
    opening = thread.posts.get()
    assert thread.is_question and thread.lesson == world["lesson"] and thread.reply_count == 0
    assert opening.is_opening and opening.status == PostStatus.VISIBLE
    assert "<strong>scattering</strong>" in opening.html
    assert Follow.objects.filter(thread=thread, user=world["enrolled"]).exists()
    assert notes(world["teacher"]) == [f"New question on “{world['lesson'].title}”: Why is the sky blue?"]
    assert notes(world["enrolled"]) == []


@pytest.mark.parametrize("who", ["student", "other_teacher"])
def test_only_the_course_s_people_take_part(world, who):
    with pytest.raises(services.DiscussionError, match="Only the course's students and teachers"):
        ask(world, who=who)
    assert not Thread.objects.exists() and not Post.objects.exists()


def test_a_question_names_a_lesson_of_its_own_course(world, teacher):
    other = make_course(teacher, title="Other course")
    with pytest.raises(services.DiscussionError, match="not part of this course"):
        services.thread_start(
            author=world["teacher"], course=other, lesson=world["lesson"], title="Wrong place", body="Hm"
        )
    assert not Thread.objects.exists()


@pytest.mark.parametrize(
    ("title", "body", "error"),
    [
        ("", "Body", "Give it a title"),
        ("Title", "   ", "Write something first"),
        ("x" * 201, "Body", "under 200"),
        ("Title", "y" * 10_001, "under 10,000|under 10000"),
        ("Title", "nul \x00 here", "cannot be stored"),
    ],
)
def test_bad_input_is_refused_and_stores_nothing(world, title, body, error):
    with pytest.raises(services.DiscussionError, match=error):
        ask(world, title=title, body=body)
    assert not Thread.objects.exists()


def test_markdown_is_sanitised_on_the_server():
    html = render(
        "<script>alert(1)</script>**bold** [home](javascript:alert(1)) <img src=x onerror=alert(2)>\n\n"
        "[ok](https://example.org) <a href='/x' onclick='steal()'>x</a>\n\n```\ncode <b>\n```"
    )
    assert "<script" not in html and "alert(1)" not in html and "javascript:" not in html
    assert "<img" not in html and "onerror" not in html and "onclick" not in html
    assert "<strong>bold</strong>" in html
    assert '<a href="https://example.org" rel="nofollow noopener noreferrer ugc">ok</a>' in html
    assert "<pre><code>code &lt;b&gt;" in html


def test_a_reply_counts_tells_the_followers_and_its_author_follows(world):
    thread = ask(world)
    reply = services.reply_post(author=world["teacher"], thread=thread, body="Rayleigh scattering.")
    thread.refresh_from_db()
    assert thread.reply_count == 1 and thread.last_post_at == reply.created_at
    assert notes(world["enrolled"]) == ["New reply in “Why is the sky blue?”"]
    assert Follow.objects.filter(thread=thread, user=world["teacher"]).exists()
    services.reply_post(author=world["enrolled"], thread=thread, body="Thanks!")
    assert notes(world["enrolled"]) == ["New reply in “Why is the sky blue?”"]  # never told of their own
    assert notes(world["teacher"])[-1] == "New reply in “Why is the sky blue?”"


def test_the_same_reply_twice_in_a_row_is_stored_once(world):
    thread = ask(world)
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        first = services.reply_post(author=world["classmate"], thread=thread, body="Me too")
        again = services.reply_post(author=world["classmate"], thread=thread, body="Me too")
    assert first.pk == again.pk and thread.posts.count() == 2
    with time_machine.travel(now + timezone.timedelta(minutes=5), tick=False):
        later = services.reply_post(author=world["classmate"], thread=thread, body="Me too")
    assert later.pk != first.pk


def test_a_mention_tells_the_person_named_once(world):
    thread = ask(world, lesson=False, title="Study group")
    services.reply_post(author=world["classmate"], thread=thread, body="@Enid Enrolled and @tess teacher, join us!")
    assert notes(world["enrolled"]) == ["Carla Classmate mentioned you in “Study group”"]  # not also "New reply"
    assert notes(world["teacher"])[-1] == "Carla Classmate mentioned you in “Study group”"
    services.reply_post(author=world["classmate"], thread=thread, body="@Someone Else is not in the course")
    assert len(notes(world["enrolled"])) == 2


def test_a_locked_thread_takes_replies_only_from_moderators(world):
    thread = ask(world)
    with pytest.raises(services.DiscussionError, match="Say why"):
        services.thread_moderate(actor=world["teacher"], thread=thread, action="lock")
    services.thread_moderate(actor=world["teacher"], thread=thread, action="lock", reason="Answered in class")
    with pytest.raises(services.DiscussionError, match="locked"):
        services.reply_post(author=world["classmate"], thread=thread, body="One more thing")
    services.reply_post(author=world["teacher"], thread=thread, body="Closing note")
    entry = AuditLogEntry.objects.get(action="discussions.thread.lock")
    assert entry.actor == world["teacher"] and entry.message == "Answered in class"


@pytest.mark.parametrize("who", ["enrolled", "other_teacher"])
def test_only_teachers_and_staff_moderate(world, who):
    thread = ask(world, who="classmate")
    with pytest.raises(services.DiscussionError, match="teachers and staff"):
        services.thread_moderate(actor=world[who], thread=thread, action="pin")
    thread.refresh_from_db()
    assert not thread.pinned


def test_a_hidden_thread_is_gone_for_students_but_not_for_moderators(world):
    thread = ask(world, who="classmate")
    thread = services.thread_moderate(actor=world["staff"], thread=thread, action="hide", reason="Off topic")
    assert not selectors.may_read_thread(user=world["enrolled"], thread=thread)
    assert selectors.may_read_thread(user=world["teacher"], thread=thread)
    course = world["course"]
    listed = selectors.course_threads(user=world["enrolled"], course=course, moderator=False)
    assert list(listed) == []
    assert list(selectors.course_threads(user=world["teacher"], course=course, moderator=True)) == [thread]
    with pytest.raises(services.DiscussionError, match="hidden"):
        services.reply_post(author=world["enrolled"], thread=thread, body="Hello?")


def test_upvotes_one_per_person_never_ones_own(world):
    thread = ask(world)
    reply = services.reply_post(author=world["teacher"], thread=thread, body="Answer")
    with pytest.raises(services.DiscussionError, match="your own"):
        services.post_upvote(user=world["teacher"], post=reply)
    services.post_upvote(user=world["enrolled"], post=reply)
    services.post_upvote(user=world["enrolled"], post=reply)
    services.post_upvote(user=world["classmate"], post=reply)
    reply.refresh_from_db()
    assert reply.upvote_count == 2
    services.post_upvote(user=world["classmate"], post=reply, up=False)
    reply.refresh_from_db()
    assert reply.upvote_count == 1


def test_a_teacher_marks_the_answer_and_the_asker_is_told(world):
    thread = ask(world)
    reply = services.reply_post(author=world["classmate"], thread=thread, body="Because of scattering")
    with pytest.raises(services.DiscussionError, match="teachers and staff"):
        services.answer_mark(actor=world["enrolled"], thread=thread, post=reply)
    with pytest.raises(services.DiscussionError, match="visible reply"):
        services.answer_mark(actor=world["teacher"], thread=thread, post=thread.posts.get(is_opening=True))
    services.answer_mark(actor=world["teacher"], thread=thread, post=reply)
    thread.refresh_from_db()
    assert thread.answer == reply
    assert notes(world["enrolled"])[-1] == "“Why is the sky blue?” has an answer"
    answered = selectors.course_threads(
        user=world["enrolled"], course=world["course"], moderator=False, show="unanswered"
    )
    assert list(answered) == []


def test_hiding_a_reply_needs_a_reason_uncounts_it_and_resolves_its_reports(world):
    thread = ask(world)
    reply = services.reply_post(author=world["classmate"], thread=thread, body="Rude words")
    services.answer_mark(actor=world["teacher"], thread=thread, post=reply)
    services.post_report(reporter=world["enrolled"], post=reply, reason="Rude")
    with pytest.raises(services.DiscussionError, match="Say why"):
        services.post_hide(actor=world["teacher"], post=reply)
    with pytest.raises(services.DiscussionError, match="hide the thread"):
        services.post_hide(actor=world["teacher"], post=thread.posts.get(is_opening=True), reason="x")
    services.post_hide(actor=world["teacher"], post=reply, reason="Not kind")
    thread.refresh_from_db()
    reply.refresh_from_db()
    assert reply.status == PostStatus.HIDDEN and reply.hidden_reason == "Not kind"
    assert thread.reply_count == 0 and thread.answer is None
    assert Report.objects.get().resolution == "hide"
    seen = selectors.thread_posts(user=world["enrolled"], thread=thread, moderator=False)
    assert [p.pk for p in seen] == [thread.posts.get(is_opening=True).pk]
    assert AuditLogEntry.objects.filter(action="discussions.post.hide", message="Not kind").exists()


def test_reports_once_per_reader_never_ones_own(world):
    thread = ask(world)
    opening = thread.posts.get()
    with pytest.raises(services.DiscussionError, match="your own"):
        services.post_report(reporter=world["enrolled"], post=opening)
    services.post_report(reporter=world["classmate"], post=opening, reason="spam")
    services.post_report(reporter=world["classmate"], post=opening, reason="spam again")
    assert Report.objects.count() == 1
    with pytest.raises(services.DiscussionError):
        services.post_report(reporter=world["student"], post=opening)


def test_contact_details_are_held_for_review_then_published_when_approved(world):
    ChatSettings.objects.update_or_create(pk=1, defaults={"contact_action": ContactAction.HOLD})
    thread = ask(world)
    reply = services.reply_post(author=world["classmate"], thread=thread, body="Call me on +44 20 7946 0958")
    assert reply.status == PostStatus.HELD and reply.flags == ["phone"]
    thread.refresh_from_db()
    assert thread.reply_count == 0 and notes(world["enrolled"]) == []
    assert [p.pk for p in selectors.thread_posts(user=world["enrolled"], thread=thread, moderator=False)] == [
        thread.posts.get(is_opening=True).pk
    ]
    assert reply.pk in [p.pk for p in selectors.thread_posts(user=world["classmate"], thread=thread, moderator=False)]
    with pytest.raises(services.DiscussionError):
        services.held_post_approve(actor=world["teacher"], post=reply)
    services.held_post_approve(actor=world["staff"], post=reply)
    thread.refresh_from_db()
    assert thread.reply_count == 1 and notes(world["enrolled"]) == ["New reply in “Why is the sky blue?”"]


def test_contact_details_are_masked_when_staff_chose_masking(world):
    ChatSettings.objects.update_or_create(pk=1, defaults={"contact_action": ContactAction.MASK})
    thread = ask(world, body="Write to me at me@example.com")
    opening = thread.posts.get()
    assert opening.status == PostStatus.VISIBLE and "me@example.com" not in opening.body + opening.html
    assert "[removed]" in opening.html


def test_search_finds_titles_and_posts_but_not_hidden_replies(world):
    first = ask(world, title="Photosynthesis basics", body="Chlorophyll?")
    second = ask(world, title="Another", body="What about mitochondria?")
    hidden = services.reply_post(author=world["classmate"], thread=first, body="zebra")
    services.post_hide(actor=world["teacher"], post=hidden, reason="x")

    def found(query):
        return set(
            selectors.course_threads(user=world["enrolled"], course=world["course"], moderator=False, query=query)
        )

    assert found("photosynth") == {first}
    assert found("MITOCHONDRIA") == {second}
    assert found("zebra") == set()
    services.thread_follow(user=world["teacher"], thread=second)
    following = selectors.course_threads(
        user=world["teacher"], course=world["course"], moderator=True, show="following"
    )
    assert list(following) == [second]


def test_hiding_a_held_post_never_publishes_it_and_only_staff_let_one_through(world):
    ChatSettings.objects.update_or_create(pk=1, defaults={"contact_action": ContactAction.HOLD})
    thread = ask(world)
    held = services.reply_post(author=world["classmate"], thread=thread, body="Mail me: me@example.com")
    with pytest.raises(services.DiscussionError, match="Only staff"):
        services.post_hide(actor=world["teacher"], post=held, hide=False)
    services.post_hide(actor=world["teacher"], post=held, reason="Contact details")
    thread.refresh_from_db()
    held.refresh_from_db()
    assert held.status == PostStatus.HIDDEN and thread.reply_count == 0
    assert notes(world["enrolled"]) == []  # nobody was told of it


def test_an_author_changes_their_post_within_a_day_and_nobody_else_can(world):
    thread = ask(world)
    reply = services.reply_post(author=world["classmate"], thread=thread, body="Try **this**")
    changed = services.post_edit(author=world["classmate"], post=reply, body="Try *that*")
    assert changed.body == "Try *that*" and "<em>that</em>" in changed.html and changed.edited_at is not None
    with pytest.raises(services.DiscussionError, match="your own"):
        services.post_edit(author=world["teacher"], post=reply, body="Hijacked")
    with pytest.raises(services.DiscussionError, match="Write something"):
        services.post_edit(author=world["classmate"], post=reply, body=" ")
    late = time_machine.travel(reply.created_at + timezone.timedelta(hours=25))
    with late, pytest.raises(services.DiscussionError, match="no longer"):
        services.post_edit(author=world["classmate"], post=reply, body="Too late")
    services.post_hide(actor=world["teacher"], post=reply, reason="Spam")
    with pytest.raises(services.DiscussionError, match="no longer"):
        services.post_edit(author=world["classmate"], post=reply, body="Sneaky")
    reply.refresh_from_db()
    assert reply.body == "Try *that*"


def test_an_edit_cannot_slip_contact_details_into_a_published_post(world):
    thread = ask(world)
    ChatSettings.objects.update_or_create(pk=1, defaults={"contact_action": ContactAction.HOLD})
    opening = thread.posts.get()
    with pytest.raises(services.DiscussionError, match="phone numbers"):
        services.post_edit(author=world["enrolled"], post=opening, body="Call +44 20 7946 0958")
    ChatSettings.objects.update_or_create(pk=1, defaults={"contact_action": ContactAction.MASK})
    masked = services.post_edit(author=world["enrolled"], post=opening, body="Call +44 20 7946 0958")
    assert "7946" not in masked.body and masked.status == PostStatus.VISIBLE
