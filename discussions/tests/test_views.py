"""Discussions through the URLs people use, for every role."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from discussions import services
from discussions.models import Follow, Post, Report, Thread, Upvote
from lms.models import AuditLogEntry

ROLES = ["anonymous", "student", "enrolled", "teacher", "other_teacher", "staff"]
READERS = {"enrolled", "teacher", "staff"}
MODERATORS = {"teacher", "staff"}


def client_as(world, role) -> Client:
    client = Client()
    if world[role] is not None:
        client.force_login(world[role])
    return client


@pytest.fixture
def thread(world):
    thread = services.thread_start(
        author=world["classmate"],
        course=world["course"],
        lesson=world["lesson"],
        title="Help with **this**",
        body="How?",
    )
    services.reply_post(author=world["classmate"], thread=thread, body="Anyone? *please*")
    return thread


def expected_read(role):
    return 302 if role == "anonymous" else 200 if role in READERS else 403


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("role", ROLES)
def test_the_course_discussions_page_by_role(world, thread, role):
    response = client_as(world, role).get(f"/discussions/course/{world['course'].pk}/")
    assert response.status_code == expected_read(role)
    html = response.content.decode()
    assert ("Help with **this**" in html) == (role in READERS)
    if role == "anonymous":
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_the_thread_page_by_role(world, thread, role):
    response = client_as(world, role).get(f"/discussions/threads/{thread.pk}/")
    assert response.status_code == expected_read(role)
    html = response.content.decode()
    if role in READERS:
        assert "<em>please</em>" in html and f'data-socket-topic="discussion-thread:{thread.pk}"' in html
        assert ("Moderate this thread" in html) == (role in MODERATORS)
    else:
        assert "please" not in html


@pytest.mark.parametrize("role", ROLES)
def test_the_new_posts_partial_by_role(world, thread, role):
    first = thread.posts.get(is_opening=True)
    response = client_as(world, role).get(f"/discussions/threads/{thread.pk}/posts/?after={first.pk}")
    assert response.status_code == expected_read(role)
    if role in READERS:
        html = response.content.decode()
        assert "<em>please</em>" in html and "How?" not in html and "<html" not in html


@pytest.mark.parametrize("role", ROLES)
def test_starting_a_thread_by_role(world, role):
    response = client_as(world, role).post(
        f"/discussions/course/{world['course'].pk}/", {"title": "New topic", "body": "Hello all"}
    )
    created = Thread.objects.filter(title="New topic").first()
    if role in READERS:
        assert response.status_code == 302 and response["Location"] == f"/discussions/threads/{created.pk}/"
    else:
        assert response.status_code == expected_read(role) and created is None


def test_a_question_from_the_lesson_page_names_its_lesson(world):
    client = client_as(world, "enrolled")
    page = client.get(world["lesson"].url).content.decode()
    assert "Questions on this lesson" in page and "Ask a question" in page
    client.post(
        f"/discussions/course/{world['course'].pk}/",
        {"title": "Lesson doubt", "body": "Step 2?", "lesson": world["lesson"].pk},
    )
    thread = Thread.objects.get(title="Lesson doubt")
    assert thread.lesson_id == world["lesson"].pk
    assert "Lesson doubt" in client.get(world["lesson"].url).content.decode()


def test_the_lesson_page_shows_no_questions_to_visitors_of_a_free_preview(world):
    preview = world["lesson"]
    assert preview.free_preview
    html = Client().get(preview.url).content.decode()
    assert "Questions on this lesson" not in html


def test_a_bad_thread_re_renders_the_form_with_the_error_and_stores_nothing(world):
    response = client_as(world, "enrolled").post(
        f"/discussions/course/{world['course'].pk}/", {"title": "", "body": ""}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html and not Thread.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_replying_by_role(world, thread, role):
    response = client_as(world, role).post(f"/discussions/threads/{thread.pk}/reply/", {"body": f"Reply by {role}"})
    stored = Post.objects.filter(body=f"Reply by {role}").first()
    if role in READERS:
        assert response.status_code == 302 and response["Location"].endswith(f"#post-{stored.pk}")
    else:
        assert response.status_code == expected_read(role) and stored is None


def test_an_htmx_reply_returns_the_conversation_and_an_empty_reply_its_error(world, thread):
    client = client_as(world, "teacher")
    url = f"/discussions/threads/{thread.pk}/reply/"
    response = client.post(url, {"body": "Try `print()`"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<code>print()</code>" in html and "Your reply is posted." in html
    assert 'id="conversation"' in html and "<html" not in html
    assert html.count(">Teacher</span>") == 1  # the teacher's reply is marked, the student's posts are not
    response = client.post(url, {"body": "   "}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    assert thread.posts.count() == 3


def test_a_locked_thread_refuses_a_student_s_reply_with_a_message(world, thread):
    services.thread_moderate(actor=world["teacher"], thread=thread, action="lock", reason="Done")
    response = client_as(world, "enrolled").post(f"/discussions/threads/{thread.pk}/reply/", {"body": "More"})
    assert response.status_code == 302 and said(response) == ["This thread is locked: no new replies."]
    assert not Post.objects.filter(body="More").exists()
    html = client_as(world, "enrolled").get(f"/discussions/threads/{thread.pk}/").content.decode()
    assert "Locked by a moderator: Done" in html and 'name="body"' not in html


@pytest.mark.parametrize("role", ROLES)
def test_following_by_role(world, thread, role):
    response = client_as(world, role).post(
        f"/discussions/threads/{thread.pk}/follow/", {"follow": "1"}, HTTP_HX_REQUEST="true"
    )
    follows = Follow.objects.filter(thread=thread, user=world[role]).exists() if world[role] else False
    if role in READERS:
        assert response.status_code == 200 and 'aria-pressed="true"' in response.content.decode() and follows
    else:
        assert response.status_code == expected_read(role) and not follows


@pytest.mark.parametrize("role", ROLES)
def test_upvoting_by_role(world, thread, role):
    reply = thread.posts.get(is_opening=False)
    response = client_as(world, role).post(
        f"/discussions/posts/{reply.pk}/upvote/", {"up": "1"}, HTTP_HX_REQUEST="true"
    )
    if role in READERS:
        assert response.status_code == 200 and "Upvote (1)" in response.content.decode()
        assert Upvote.objects.filter(post=reply, user=world[role]).exists()
    else:
        assert response.status_code == expected_read(role) and not Upvote.objects.exists()


def test_upvoting_ones_own_post_is_refused_in_the_partial(world, thread):
    reply = thread.posts.get(is_opening=False)
    response = client_as(world, "classmate").post(
        f"/discussions/posts/{reply.pk}/upvote/", {"up": "1"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400 and "You cannot upvote your own post." in response.content.decode()
    assert not Upvote.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_marking_the_answer_by_role(world, thread, role):
    reply = thread.posts.get(is_opening=False)
    response = client_as(world, role).post(f"/discussions/posts/{reply.pk}/answer/")
    thread.refresh_from_db()
    assert (thread.answer_id == reply.pk) == (role in MODERATORS)
    if role == "enrolled":
        assert said(response) == ["Only the course's teachers and staff can do that."]
    elif role not in READERS:
        assert response.status_code == expected_read(role)


@pytest.mark.parametrize("role", ROLES)
def test_moderating_a_thread_by_role(world, thread, role):
    response = client_as(world, role).post(f"/discussions/threads/{thread.pk}/moderate/", {"action": "pin"})
    thread.refresh_from_db()
    assert thread.pinned == (role in MODERATORS)
    if role in MODERATORS:
        assert said(response) == ["Pinned to the top."]
    elif role not in READERS:
        assert response.status_code == expected_read(role)


def test_hiding_a_thread_without_a_reason_says_why_not(world, thread):
    response = client_as(world, "teacher").post(f"/discussions/threads/{thread.pk}/moderate/", {"action": "hide"})
    thread.refresh_from_db()
    assert not thread.hidden and said(response) == ["Say why: the reason is shown to the course."]
    client_as(world, "teacher").post(
        f"/discussions/threads/{thread.pk}/moderate/", {"action": "hide", "reason": "Duplicate"}
    )
    assert client_as(world, "enrolled").get(f"/discussions/threads/{thread.pk}/").status_code == 403
    assert (
        "Hidden from the course: Duplicate"
        in client_as(world, "teacher").get(f"/discussions/threads/{thread.pk}/").content.decode()
    )


@pytest.mark.parametrize("role", ROLES)
def test_hiding_a_reply_by_role(world, thread, role):
    reply = thread.posts.get(is_opening=False)
    client_as(world, role).post(f"/discussions/posts/{reply.pk}/hide/", {"reason": "Spam"})
    reply.refresh_from_db()
    assert (reply.status == "hidden") == (role in MODERATORS)
    assert AuditLogEntry.objects.filter(action="discussions.post.hide").exists() == (role in MODERATORS)


@pytest.mark.parametrize("role", ROLES)
def test_reporting_by_role(world, thread, role):
    reply = thread.posts.get(is_opening=False)
    response = client_as(world, role).post(f"/discussions/posts/{reply.pk}/report/", {"reason": "Off topic"})
    assert Report.objects.filter(post=reply).exists() == (role in READERS)
    if role in READERS:
        assert said(response) == ["Thank you: staff will review the post."]


def test_search_and_filters_in_the_url(world, thread):
    other = services.thread_start(author=world["enrolled"], course=world["course"], title="Exam dates", body="When?")
    client = client_as(world, "enrolled")
    url = f"/discussions/course/{world['course'].pk}/"
    html = client.get(url, {"q": "exam"}).content.decode()
    assert "Exam dates" in html and "Help with" not in html
    html = client.get(url, {"show": "questions"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Help with" in html and "Exam dates" not in html and "<html" not in html
    html = client.get(url, {"show": "following"}).content.decode()
    assert "Exam dates" in html and "Help with" not in html
    assert other.pk


def test_staff_work_the_moderation_queue_in_the_admin(world, thread, superuser):
    reply = thread.posts.get(is_opening=False)
    services.post_report(reporter=world["enrolled"], post=reply, reason="Rude")
    client = Client()
    client.force_login(superuser)
    listing = client.get("/admin/discussions/post/?review=queue")
    assert listing.status_code == 200 and "Anyone? *please*" in listing.content.decode()
    client.post("/admin/discussions/post/", {"action": "hide_posts", "_selected_action": [reply.pk]})
    reply.refresh_from_db()
    assert reply.status == "hidden" and Report.objects.get().resolution == "hide"


def test_pages_run_as_many_queries_with_ten_times_the_posts_and_threads(world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def build(n):
        thread = services.thread_start(author=world["enrolled"], course=world["course"], title=f"T{n}", body="b")
        for i in range(n):
            services.reply_post(author=world["classmate" if i % 2 else "teacher"], thread=thread, body=f"reply {i}")
        return thread

    client = client_as(world, "enrolled")
    small = build(2)
    thread_url, list_url = f"/discussions/threads/{small.pk}/", f"/discussions/course/{world['course'].pk}/"
    with CaptureQueriesContext(connection) as thread_page:
        client.get(thread_url)
    with CaptureQueriesContext(connection) as list_page:
        client.get(list_url)
    large = build(20)
    for n in range(15):
        services.thread_start(author=world["classmate"], course=world["course"], title=f"More {n}", body="b")
    with django_assert_max_num_queries(len(thread_page)):
        client.get(f"/discussions/threads/{large.pk}/")
    with django_assert_max_num_queries(len(list_page)):
        client.get(list_url)


@pytest.mark.parametrize("role", [*ROLES, "classmate"])
def test_editing_a_post_by_role(world, thread, role):
    reply = thread.posts.get(is_opening=False)  # the classmate's
    response = client_as(world, role).post(f"/discussions/posts/{reply.pk}/edit/", {"body": f"Changed by {role}"})
    reply.refresh_from_db()
    assert (reply.body == f"Changed by {role}") == (role == "classmate")
    if role == "classmate":
        assert said(response) == ["Your post is changed."]
        html = client_as(world, role).get(f"/discussions/threads/{thread.pk}/").content.decode()
        assert "Changed by classmate" in html and "edited" in html
    elif role in READERS:
        assert said(response) == ["You can only change your own posts."]
    else:
        assert response.status_code == expected_read(role)
