"""User PDFs are only ever downloaded, never shown inline (issue 16.8): chat attachments
and Wagtail documents alike, even a PDF with a script that got stored somehow."""

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from wagtail.documents import get_document_model

from chat.models import Message
from chat.tests.factories import PDF_ESCAPED_JAVASCRIPT, pdf_upload, pdf_with_javascript_in_an_object_stream, post
from chat.tests.factories import start_conversation as conversation_start

CRAFTED = [PDF_ESCAPED_JAVASCRIPT, pdf_with_javascript_in_an_object_stream()]


@pytest.fixture
def conversation(enrolled, teacher):
    return conversation_start(enrolled, teacher)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("crafted", CRAFTED, ids=["name-escapes", "object-stream"])
def test_a_stored_pdf_is_served_as_a_download(conversation, enrolled, teacher, crafted):
    message = post(enrolled, conversation, "", attachment=pdf_upload())
    # As if the script had slipped past the upload check (files stored before it, say).
    with message.attachment.storage.open(message.attachment.name, "wb") as stored:
        stored.write(crafted)
    response = signed_in(teacher).get(reverse("chat:attachment", args=[message.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="notes.pdf"' in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert b"".join(response.streaming_content) == crafted


def test_images_are_still_shown_inline(conversation, enrolled, teacher):
    from chat.tests.factories import png_upload

    message = post(enrolled, conversation, "", attachment=png_upload())
    response = signed_in(teacher).get(reverse("chat:attachment", args=[message.pk]))
    assert response["Content-Disposition"].startswith("inline;")
    assert response["Content-Security-Policy"] == "sandbox"


def test_on_s3_a_pdf_is_signed_as_a_download(settings, conversation, enrolled, teacher):
    message = post(enrolled, conversation, "", attachment=pdf_upload())
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "lyceum-media",
                "region_name": "eu-west-1",
                "access_key": "AKIAEXAMPLE",
                "secret_key": "example-secret",
                "querystring_auth": True,
            },
        },
    }
    message = Message.objects.get(pk=message.pk)  # its file now resolves to S3 (no network: only a URL is signed)
    response = signed_in(teacher).get(reverse("chat:attachment", args=[message.pk]))
    assert response.status_code == 302
    assert "response-content-disposition=attachment" in response["Location"]
    assert "X-Amz-Signature=" in response["Location"] or "Signature=" in response["Location"]


@pytest.mark.parametrize("crafted", CRAFTED, ids=["name-escapes", "object-stream"])
def test_a_wagtail_document_pdf_is_served_as_a_download(superuser, crafted):
    document = get_document_model().objects.create(
        title="Handout", file=ContentFile(crafted, name="handout.pdf"), uploaded_by_user=superuser
    )
    response = signed_in(superuser).get(document.url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'"
