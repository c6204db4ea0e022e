import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chat.attachments import AttachmentRejected, check_attachment
from chat.tests.factories import (
    PDF_BYTES,
    PDF_ESCAPED_JAVASCRIPT,
    pdf_upload,
    pdf_with_javascript_in_an_object_stream,
    png_upload,
)


def test_png_is_accepted_and_renamed():
    checked = check_attachment(png_upload("../../etc/holiday.png"))
    assert checked.kind == "image"
    assert checked.name == "holiday.png"
    assert checked.content.name.endswith(".png")
    assert "holiday" not in checked.content.name


def test_pdf_is_accepted():
    checked = check_attachment(pdf_upload())
    assert (checked.kind, checked.name) == ("pdf", "notes.pdf")


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("evil.png", b"<script>alert(1)</script>", "Only images"),
        ("fake.pdf", b"%PDF-1.4 but nothing else", "damaged"),
        ("not-a-pdf.pdf", b"MZ\x90\x00 executable", "Only images"),
        (
            "script.pdf",
            PDF_BYTES.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /JS (app.alert(1)) >>"),
            "scripts",
        ),
        ("empty.png", b"", "empty"),
    ],
)
def test_content_decides_not_the_name(name, data, error):
    with pytest.raises(AttachmentRejected, match=error):
        check_attachment(SimpleUploadedFile(name, data))


def test_size_limit(settings):
    settings.CHAT_ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(AttachmentRejected, match="at most"):
        check_attachment(png_upload(size=(64, 64)))


@pytest.mark.parametrize(
    "data",
    [
        PDF_ESCAPED_JAVASCRIPT,  # /J#61vaScript: a byte search never sees "JavaScript"
        pdf_with_javascript_in_an_object_stream(),  # compressed: no such bytes in the file at all
        PDF_BYTES.replace(b"/Type /Catalog", b"/Type /Catalog /Names << /EmbeddedFiles 2 0 R >>"),
        PDF_BYTES.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /Launch /F (calc.exe) >>"),
    ],
    ids=["name-escapes", "object-stream", "embedded-file", "launch"],
)
def test_pdfs_are_read_by_a_parser_not_searched_for_bytes(data):
    with pytest.raises(AttachmentRejected, match="scripts, launch actions or embedded files"):
        check_attachment(pdf_upload(data=data))
