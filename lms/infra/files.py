"""Serving a private upload (a credential, a submission) after the caller's permission check."""

from django.http import FileResponse
from django.shortcuts import redirect
from django.utils.http import content_disposition_header

# By the stored name's extension, which comes from the checked content (chat.attachments),
# never from the name the uploader gave.
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
}


def private_file_response(file, *, filename: str):
    """The file to someone already allowed to read it: from local storage as a response that
    no shared cache keeps, from S3 as a short-lived signed URL. A PDF is only ever downloaded
    (a browser's own viewer would run a script hidden in one); an image may show inline."""
    extension = file.name.rsplit(".", 1)[-1].lower()
    content_type = CONTENT_TYPES.get(extension, "application/octet-stream")
    download = not content_type.startswith("image/")
    storage = file.storage
    try:
        storage.path(file.name)
    except NotImplementedError:
        parameters = {"ResponseContentDisposition": content_disposition_header(download, filename)}
        return redirect(storage.url(file.name, parameters=parameters))
    response = FileResponse(file.open("rb"), content_type=content_type, as_attachment=download, filename=filename)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


def csv_safe(value) -> str:
    """A cell for a CSV export: a text starting with = + - @ (or a tab or carriage return) is run
    as a formula by spreadsheets, so it is given a leading apostrophe (OWASP's advice)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
