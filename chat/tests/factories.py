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


def _pdf(objects: list[bytes]) -> bytes:
    """A well-formed PDF of `objects` (object n is objects[n-1]) with a correct xref table."""
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# The script's names written with #xx escapes, as a reader decodes them: /S /JavaScript /JS (…).
PDF_ESCAPED_JAVASCRIPT = _pdf(
    [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
)


def pdf_with_javascript_in_an_object_stream() -> bytes:
    """The script's action object packed in a Flate-compressed object stream, reached
    through a cross-reference stream: no byte of "JavaScript" appears in the file."""
    import zlib

    action = b"<< /S /JavaScript /JS (app.alert(document.cookie)) >>"
    packed = b"4 0 " + action
    objstm = zlib.compress(packed)
    out, offsets = bytearray(b"%PDF-1.7\n"), {}
    for number, body in (
        (1, b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>"),
        (2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        (3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"),
    ):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    offsets[5] = len(out)
    out += b"5 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n" % len(objstm)
    out += objstm + b"\nendstream\nendobj\n"
    xref_at = len(out)
    rows = [b"\x00\x00\x00\xff"]  # object 0: free
    rows += [b"\x01" + offsets[n].to_bytes(2, "big") + b"\x00" for n in (1, 2, 3)]
    rows.append(b"\x02\x00\x05\x00")  # object 4: in object stream 5, index 0
    rows.append(b"\x01" + offsets[5].to_bytes(2, "big") + b"\x00")
    rows.append(b"\x01" + xref_at.to_bytes(2, "big") + b"\x00")  # object 6: this xref stream
    table = zlib.compress(b"".join(rows))
    out += b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 2 1] /Root 1 0 R /Filter /FlateDecode /Length %d >>\nstream\n" % len(
        table
    )
    out += table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at
    assert b"JavaScript" not in out
    return bytes(out)
