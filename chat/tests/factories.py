"""Chat state built the way users cause it: through the services."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from chat import services


def start_conversation(starter, other):
    return services.conversation_start(user=starter, other=other)


def post(sender, conversation, body="Hello", **kwargs):
    message, _ = services.message_post(sender=sender, conversation=conversation, body=body, **kwargs)
    return message


def png_upload(name="picture.png", size=(8, 8)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n"
    b"trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n110\n%%EOF\n"
)


def pdf_upload(name="notes.pdf", data: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")
