"""Checking an uploaded attachment by its content, not its name or declared type.

Images must open and verify with Pillow. PDFs must start with the `%PDF-` magic, parse
with pypdf, and carry no scripts, launch actions or embedded files anywhere in the object
graph — read by a real parser, so names written with escapes (`/J#61vaScript`) and objects
packed in compressed object streams are seen as a reader sees them. Anything else is
refused. Whatever passes is still only ever served as a download (chat/views.py).
"""

import io
import re
import uuid
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
# Keys that carry or point at code or files, and the action types that run or fetch something.
PDF_FORBIDDEN_KEYS = {"/JS", "/JavaScript", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia", "/XFA"}
PDF_FORBIDDEN_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/RichMediaExecute", "/Rendition"}
PDF_MAX_OBJECTS = 200_000


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
        raise AttachmentRejected(gettext("That file is not a PDF."))
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise AttachmentRejected(gettext("Password-protected PDFs are not accepted."))
        active = _pdf_has_active_content(reader.trailer)
    except AttachmentRejected:
        raise
    except Exception as exc:  # a parser fed hostile bytes may raise anything: refuse the file
        raise AttachmentRejected(gettext("That PDF is damaged or incomplete.")) from exc
    if active:
        raise AttachmentRejected(gettext("PDFs with scripts, launch actions or embedded files are not accepted."))


def _pdf_has_active_content(trailer) -> bool:
    """Walk every object reachable from the trailer (what a reader can reach) once."""
    stack, seen = [trailer], set()
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            if len(seen) > PDF_MAX_OBJECTS:
                raise AttachmentRejected(gettext("That PDF is too complex to check."))
            node = node.get_object()
        if isinstance(node, DictionaryObject):
            action = node.get("/S")
            action = action.get_object() if isinstance(action, IndirectObject) else action
            if PDF_FORBIDDEN_KEYS.intersection(node.keys()) or action in PDF_FORBIDDEN_ACTIONS:
                return True
            stack.extend(node.values())
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return False


def _check_image(data: bytes) -> str:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise AttachmentRejected(gettext("Only images (JPEG, PNG, GIF, WebP) and PDFs can be attached.")) from exc
    if image_format not in IMAGE_FORMATS:
        raise AttachmentRejected(gettext("Only images (JPEG, PNG, GIF, WebP) and PDFs can be attached."))
    return IMAGE_FORMATS[image_format]


def _too_large(limit: int) -> AttachmentRejected:
    return AttachmentRejected(gettext("Attachments can be at most %(n)s MB.") % {"n": limit // (1024 * 1024)})


def check_attachment(upload, *, limit: int | None = None) -> CheckedAttachment:
    """Read and check an uploaded file; return it ready to store under a random name.
    `limit` (bytes) defaults to the chat's; other uploads (a tutor's credentials) pass theirs."""
    limit = limit or max_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _too_large(limit)
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _too_large(limit)
    if not data:
        raise AttachmentRejected(gettext("That file is empty."))
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
