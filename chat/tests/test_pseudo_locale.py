"""The chat's pages that the site-wide pseudo-locale test (lms/tests/test_pseudo_locale.py)
does not open: the announcement page, a conversation with a held message and a PDF, and
the staff's chat admin. Only each page's <main> is checked: the shared header, footer and
admin chrome are checked by the site-wide test."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from chat import services
from chat.models import ChatSettings, ContactAction, Report
from chat.tests.factories import pdf_upload, post, start_conversation
from lms.models import Role
from lms.tests.pseudo_locale import PSEUDO, UserData, english_left, install

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pseudo_language(tmp_path, settings):
    install(tmp_path)
    settings.LANGUAGES = [*settings.LANGUAGES, (PSEUDO, "Pseudo-English")]
    settings.LOCALE_PATHS = [tmp_path, *settings.LOCALE_PATHS]
    return PSEUDO


# Not the chat's to translate: Django admin's own untranslated search icon alt text and
# auto primary key label, and the person's role (lms's Role labels, under the site-wide test).
NOT_OURS = {"Search", "ID", *(str(label) for label in Role.labels)}


def _main(html: str) -> str:
    match = re.search(r"<main\b.*?</main>", html, re.S)
    return match.group(0) if match else html


def test_chat_pages_leave_no_english(pseudo_language, enrolled, course, teacher, superuser):
    conversation = start_conversation(enrolled, teacher)
    post(teacher, conversation, "Hello")
    post(enrolled, conversation, "", attachment=pdf_upload())
    ChatSettings.objects.update_or_create(pk=1, defaults={"contact_action": ContactAction.HOLD})
    held = post(enrolled, conversation, "Call me on +44 20 7946 0958")
    Report.objects.create(message=held, reporter=teacher, reason="Contact details")
    services.announcement_post(teacher=teacher, course=course, body="Exam on Friday")
    pages = [
        (teacher, reverse("chat:announce", args=[course.pk])),
        (enrolled, conversation.get_absolute_url()),
        (enrolled, reverse("chat:list")),
        (superuser, reverse("admin:chat_message_changelist") + "?review=queue"),
        (superuser, reverse("admin:chat_message_change", args=[held.pk])),
        (superuser, reverse("admin:chat_report_changelist")),
        (superuser, reverse("admin:chat_conversation_changelist")),
        (superuser, reverse("admin:chat_announcement_changelist")),
        (superuser, reverse("admin:chat_chatsettings_changelist")),
    ]
    data = UserData()
    failures = []
    for user, path in pages:
        client = Client(HTTP_ACCEPT_LANGUAGE=pseudo_language)
        client.force_login(user)
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        left = english_left(_main(response.content.decode()), data)
        failures += [f"{path}: {text!r}" for text in left if text.strip("· ") not in NOT_OURS]
    assert not failures, "\n".join(failures)
