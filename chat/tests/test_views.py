import pytest
from django.urls import reverse

from chat.models import ChatSettings, Conversation, Message, Report
from chat.tests.factories import pdf_upload, png_upload, post, start_conversation
from lms.models import AuditLogEntry, Role
from lms.tests.factories import make_user

XSS = ['<script>alert("x")</script>', '<img src=x onerror="alert(1)">']


@pytest.fixture
def conversation(enrolled, teacher):
    return start_conversation(enrolled, teacher)


def login(client, user):
    client.force_login(user)
    return client


# --- Access per role -------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, conversation):
    message = post(conversation.user_low, conversation, "hi", attachment=png_upload())
    for url in [
        reverse("chat:list"),
        conversation.get_absolute_url(),
        reverse("chat:attachment", args=[message.pk]),
        reverse("chat:announce", args=[1]),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url, url
    assert client.post(reverse("chat:start"), {"user_id": 1}).status_code == 302
    assert client.post(reverse("chat:report", args=[message.pk])).status_code == 302
    assert not Report.objects.exists()


@pytest.mark.parametrize("role", ["student", "teacher", "staff"])
def test_everyone_signed_in_has_a_conversation_list(db, client, role):
    login(client, make_user(role))
    response = client.get(reverse("chat:list"))
    assert response.status_code == 200
    assert b"No conversations yet" in response.content


def test_participants_see_the_conversation_others_get_404(client, conversation, enrolled, teacher, other_teacher):
    post(teacher, conversation, "Welcome to the course")
    for user in (enrolled, teacher):
        response = login(client, user).get(conversation.get_absolute_url())
        assert response.status_code == 200
        assert b"Welcome to the course" in response.content
    for user in (other_teacher, make_user(Role.STUDENT), make_user(Role.STAFF)):
        assert login(client, user).get(conversation.get_absolute_url()).status_code == 404
        response = login(client, user).post(conversation.get_absolute_url(), {"body": "let me in"})
        assert response.status_code == 404
    assert Message.objects.count() == 1


def test_list_shows_last_message_and_unread(client, conversation, enrolled, teacher):
    post(teacher, conversation, "First")
    post(teacher, conversation, "Second")
    response = login(client, enrolled).get(reverse("chat:list"))
    assert b"Second" in response.content
    assert b'2<span class="sr-only"> unread' in response.content
    # Opening the conversation reads it.
    client.get(conversation.get_absolute_url())
    response = client.get(reverse("chat:list"))
    assert b" unread</span>" not in response.content.split(b"<main")[1]


# --- Starting a conversation -----------------------------------------------------------


def test_message_button_starts_a_conversation(client, enrolled, teacher):
    response = login(client, enrolled).post(reverse("chat:start"), {"user_id": teacher.pk})
    conversation = Conversation.objects.get()
    assert response.url == conversation.get_absolute_url()


def test_stranger_cannot_start_one(client, student, other_teacher):
    response = login(client, student).post(reverse("chat:start"), {"user_id": other_teacher.pk}, follow=True)
    assert b"once you share a course" in response.content
    assert not Conversation.objects.exists()


def test_staff_start_by_email_students_cannot(client, staff_user, student, teacher):
    login(client, staff_user).post(reverse("chat:start"), {"email": student.email})
    assert Conversation.objects.get().has_participant(student)
    login(client, teacher).post(reverse("chat:start"), {"email": student.email})
    assert Conversation.objects.count() == 1


def test_message_panels(rf, enrolled, teacher, other_teacher, course):
    from lms.infra.panels import render_slot

    request = rf.get("/")
    request.user = enrolled
    assert "Message Tess Teacher" in render_slot("teacher_profile", request, teacher=teacher)
    assert "Message" not in render_slot("teacher_profile", request, teacher=other_teacher)
    assert "Message Tess Teacher" in render_slot("course_page", request, course=course)
    request.user = teacher
    assert "Post an announcement" in render_slot("course_page", request, course=course)
    assert 'href="/chat/"' in render_slot("nav", request)


# --- Posting without JavaScript, escaping, history --------------------------------------


def test_form_posts_without_javascript(client, conversation, enrolled):
    response = login(client, enrolled).post(conversation.get_absolute_url(), {"body": "Hello, no JS"})
    assert response.status_code == 302
    assert Message.objects.get().body == "Hello, no JS"
    response = client.get(conversation.get_absolute_url())
    assert b"Hello, no JS" in response.content


def test_errors_re_render_the_form(client, conversation, enrolled, settings):
    settings.CHAT_MESSAGE_MAX_LENGTH = 5
    response = login(client, enrolled).post(conversation.get_absolute_url(), {"body": "far too long"})
    assert response.status_code == 400
    assert b"at most 5 characters" in response.content
    assert b"far too long" in response.content  # what they typed is kept


def test_a_refused_post_changes_nothing_not_even_what_was_read(client, conversation, enrolled, teacher):
    from chat import selectors

    post(teacher, conversation, "Question 3?")
    response = login(client, enrolled).post(conversation.get_absolute_url(), {"body": "   "})
    assert response.status_code == 400 and b"Question 3?" in response.content
    assert selectors.unread_count(user=enrolled, conversation=conversation) == 1
    client.get(conversation.get_absolute_url())  # opening the page reads it
    assert selectors.unread_count(user=enrolled, conversation=conversation) == 0


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_a_nul_byte_is_refused_and_nothing_stored(client, conversation, enrolled, accept):
    response = login(client, enrolled).post(
        conversation.get_absolute_url(), {"body": "a\x00b", "client_id": "nul-1"}, headers={"Accept": accept}
    )
    assert response.status_code == 400
    assert not Message.objects.exists()


@pytest.mark.parametrize("payload", XSS)
def test_message_text_is_escaped(client, conversation, enrolled, teacher, payload):
    post(enrolled, conversation, payload)
    response = login(client, teacher).get(conversation.get_absolute_url())
    html = response.content.decode()
    assert payload not in html
    assert "&lt;" in html and ("&lt;script&gt;" in html or "onerror=&quot;" in html)
    listing = client.get(reverse("chat:list")).content.decode()
    assert payload not in listing


def test_display_names_are_escaped(client, staff_user):
    evil = make_user(Role.STUDENT, display_name='<img src=x onerror="alert(1)">')
    conversation = start_conversation(staff_user, evil)
    post(evil, conversation, "hi")
    html = login(client, staff_user).get(conversation.get_absolute_url()).content.decode()
    assert '<img src=x onerror="alert(1)">' not in html


def test_older_history_loads_as_an_htmx_partial(client, conversation, enrolled, teacher, settings):
    import chat.selectors

    settings.CHAT_RATE_LIMIT = (1000, 10)
    chat.selectors.PAGE_SIZE, old = 5, chat.selectors.PAGE_SIZE
    try:
        messages = [post(teacher, conversation, f"message {i}") for i in range(12)]
        page = login(client, enrolled).get(conversation.get_absolute_url()).content.decode()
        assert "message 11" in page and "message 6" not in page
        assert f"?before={messages[7].pk}" in page
        partial = client.get(
            conversation.get_absolute_url(), {"before": messages[7].pk}, headers={"HX-Request": "true"}
        ).content.decode()
        assert "<html" not in partial
        assert "message 2" in partial and "message 6" in partial and "message 7" not in partial
        assert f"?before={messages[2].pk}" in partial
        # Without JavaScript the same link is a page.
        full = client.get(conversation.get_absolute_url(), {"before": messages[7].pk}).content.decode()
        assert "<html" in full and "Back to the newest messages" in full
    finally:
        chat.selectors.PAGE_SIZE = old


# --- Attachments ------------------------------------------------------------------------


def test_attachment_upload_and_permission_checked_download(client, conversation, enrolled, teacher, other_teacher):
    login(client, enrolled).post(conversation.get_absolute_url(), {"body": "", "attachment": pdf_upload()})
    message = Message.objects.get()
    assert message.attachment_kind == "pdf"
    url = reverse("chat:attachment", args=[message.pk])
    response = login(client, teacher).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Security-Policy"] == "sandbox"
    for outsider in (other_teacher, make_user(Role.STAFF), make_user(Role.STUDENT)):
        assert login(client, outsider).get(url).status_code == 404


def test_attachment_type_comes_from_the_content_not_the_name(client, conversation, enrolled, teacher):
    post(enrolled, conversation, "", attachment=png_upload("evil.html"))
    message = Message.objects.get()
    response = login(client, teacher).get(reverse("chat:attachment", args=[message.pk]))
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_attachment_json_upload_for_the_script(client, conversation, enrolled):
    response = login(client, enrolled).post(
        conversation.get_absolute_url(),
        {"body": "look", "attachment": png_upload(), "client_id": "up-1"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    data = response.json()
    message = Message.objects.get(client_id="up-1")
    # The stored message as the page shows it (its partial), for the script to insert.
    assert data["id"] == message.pk and data["html"].startswith(f'<li id="message-{message.pk}"')
    assert f'src="{reverse("chat:attachment", args=[message.pk])}"' in data["html"]
    bad = client.post(
        conversation.get_absolute_url(),
        {"attachment": pdf_upload(data=b"%PDF-1.7 not really")},
        headers={"Accept": "application/json"},
    )
    assert bad.status_code == 400 and "damaged" in bad.json()["error"]


def test_hidden_messages_attachment_is_gone(client, conversation, enrolled, teacher, staff_user):
    from chat import services

    message = post(enrolled, conversation, "", attachment=png_upload())
    services.message_moderate(actor=staff_user, message=message, action="hide")
    assert login(client, teacher).get(reverse("chat:attachment", args=[message.pk])).status_code == 404


# --- Reports ----------------------------------------------------------------------------


def test_report_with_and_without_htmx(client, conversation, enrolled, teacher, other_teacher):
    message = post(teacher, conversation, "something bad")
    response = login(client, enrolled).post(
        reverse("chat:report", args=[message.pk]), {"reason": "rude"}, headers={"HX-Request": "true"}
    )
    assert b"A moderator will look" in response.content
    assert Report.objects.get().reason == "rude"
    assert login(client, other_teacher).post(reverse("chat:report", args=[message.pk])).status_code == 404


# --- Announcements ----------------------------------------------------------------------


def test_announcement_page_access(client, course, enrolled, teacher, other_teacher, staff_user):
    url = reverse("chat:announce", args=[course.pk])
    assert login(client, enrolled).get(url).status_code == 404
    assert login(client, other_teacher).get(url).status_code == 404
    assert login(client, staff_user).get(url).status_code == 200
    response = login(client, teacher).get(url)
    assert response.status_code == 200 and b"1 student actively enrolled" in response.content
    response = client.post(url, {"body": "<b>Exam</b> on Friday"}, follow=True)
    assert b"sent to 1 student" in response.content
    assert b"&lt;b&gt;Exam&lt;/b&gt;" in response.content
    assert client.get(reverse("chat:announce", args=[999999])).status_code == 404


# --- Admin ------------------------------------------------------------------------------


def test_admin_reading_a_conversation_is_audited(client, superuser, conversation, enrolled):
    post(enrolled, conversation, "private words")
    login(client, superuser)
    response = client.get(reverse("admin:chat_conversation_change", args=[conversation.pk]))
    assert response.status_code == 200 and b"private words" in response.content
    entry = AuditLogEntry.objects.get(action="chat.conversation.view")
    assert entry.actor == superuser and entry.target_id == str(conversation.pk)


def test_admin_queue_and_actions(client, superuser, conversation, enrolled, teacher):
    message = post(enrolled, conversation, "bad")
    Report.objects.create(message=message, reporter=teacher, reason="x")
    login(client, superuser)
    queue = client.get(reverse("admin:chat_message_changelist"), {"review": "queue"})
    assert queue.status_code == 200 and b"bad" in queue.content
    client.post(
        reverse("admin:chat_message_changelist"),
        {"action": "hide_messages", "_selected_action": [message.pk]},
    )
    message.refresh_from_db()
    assert message.status == "hidden"
    client.post(
        reverse("admin:chat_message_changelist"),
        {"action": "suspend_senders", "_selected_action": [message.pk]},
    )
    enrolled.refresh_from_db()
    assert enrolled.chat_suspended
    assert AuditLogEntry.objects.filter(action="chat.user.suspend").exists()
    # The one row of settings opens straight on its form; saving it reaches the next message.
    page = client.get(reverse("admin:chat_chatsettings_changelist"))
    assert page.status_code == 200 and "Contact action" in page.content.decode()
    saved = client.post(
        reverse("admin:chat_chatsettings_changelist"), {"contact_action": "hold", "allowed_link_domains": ""}
    )
    assert saved.status_code == 302
    assert ChatSettings.get_solo().contact_action == "hold"
    assert AuditLogEntry.objects.filter(action="admin.change", target_repr="Chat settings").exists()
