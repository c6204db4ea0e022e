"""Checking an uploaded attachment by its content, not its name or declared type.

Images must open and verify with Pillow; PDFs must start with the `%PDF-` magic and have
the structure of a PDF (a cross-reference pointer and an end-of-file marker), and may not
carry scripts or launch actions. Anything else is refused.
"""

import io
import re
import uuid
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, UnidentifiedImageError

IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
PDF_FORBIDDEN = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFile|RichMedia)\b")


class AttachmentRejected(ValueError):
    """The file is not an attachment we accept; the message says why, for the sender."""


@dataclass(frozen=True)
class CheckedAttachment:
    content: ContentFile
    name: str  # the sender's file name, for display
    kind: str  # "image" or "pdf"
    size: int


def max_bytes() -> int:
    return getattr(settings, "CHAT_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)


def _display_name(name: str) -> str:
    name = PurePath(name or "file").name.replace("\x00", "")
    return name[-200:] or "file"


def _check_pdf(data: bytes) -> None:
    if not data.startswith(b"%PDF-") or not re.match(rb"%PDF-\d\.\d", data[:8]):
        raise AttachmentRejected("That file is not a PDF.")
    tail = data[-2048:]
    if b"%%EOF" not in tail or b"startxref" not in tail:
        raise AttachmentRejected("That PDF is damaged or incomplete.")
    if b" obj" not in data and b"\nobj" not in data:
        raise AttachmentRejected("That PDF is damaged or incomplete.")
    if PDF_FORBIDDEN.search(data):
        raise AttachmentRejected("PDFs with scripts, launch actions or embedded files are not accepted.")


def _check_image(data: bytes) -> str:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise AttachmentRejected("Only images (JPEG, PNG, GIF, WebP) and PDFs can be attached.") from exc
    if image_format not in IMAGE_FORMATS:
        raise AttachmentRejected("Only images (JPEG, PNG, GIF, WebP) and PDFs can be attached.")
    return IMAGE_FORMATS[image_format]


def check_attachment(upload) -> CheckedAttachment:
    """Read and check an uploaded file; return it ready to store under a random name."""
    limit = max_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise AttachmentRejected(f"Attachments can be at most {limit // (1024 * 1024)} MB.")
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise AttachmentRejected(f"Attachments can be at most {limit // (1024 * 1024)} MB.")
    if not data:
        raise AttachmentRejected("That file is empty.")
    if data.startswith(b"%PDF-"):
        _check_pdf(data)
        kind, extension = "pdf", "pdf"
    else:
        kind, extension = "image", _check_image(data)
    # Stored under a random name: nobody can guess another conversation's file path.
    return CheckedAttachment(
        content=ContentFile(data, name=f"{uuid.uuid4().hex}.{extension}"),
        name=_display_name(getattr(upload, "name", "")),
        kind=kind,
        size=len(data),
    )
