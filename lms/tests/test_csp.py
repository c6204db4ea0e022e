"""Content-Security-Policy on every HTML page (issue 16.12): the site runs only its own
static scripts; the staff areas get the looser policy their third-party templates need."""

import re

import pytest
from django.test import Client

from lms.models import Role
from lms.tests.factories import make_user


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split("; ")}


def test_site_pages_allow_no_inline_script_and_no_outside_host(db):
    student = make_user(Role.STUDENT)
    for user, path in ((None, "/"), (None, "/accounts/login/"), (student, "/dashboard/student/"), (None, "/teachers/")):
        client = Client()
        if user:
            client.force_login(user)
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        directives = policy(response)
        assert directives["default-src"] == ["'self'"]
        assert directives["object-src"] == ["'none'"]
        assert directives["frame-ancestors"] == ["'none'"]
        for directive in ("script-src", "style-src"):
            assert "'unsafe-inline'" not in directives[directive] and "'unsafe-eval'" not in directives[directive]
            assert all(source == "'self'" or source.startswith("'nonce-") for source in directives[directive])


def test_no_template_has_an_inline_script_or_handler_without_the_nonce():
    from django.conf import settings

    offenders = []
    for path in (settings.BASE_DIR / "templates").rglob("*.html"):
        if "emails" in path.parts:
            continue
        html = path.read_text()
        for match in re.finditer(r"<script\b([^>]*)>", html):
            if (
                "src=" not in match.group(1)
                and "nonce" not in match.group(1)
                and "application/json" not in match.group(1)
            ):
                offenders.append(f"{path}: {match.group(0)}")
        if re.search(r"\son[a-z]+=\"", html) or "javascript:" in html:
            offenders.append(f"{path}: inline event handler")
        if path.parts[-2] not in {"admin"} and re.search(r"\sstyle=\"", html):
            offenders.append(f"{path}: style attribute")
    assert offenders == []


@pytest.mark.parametrize(("path", "script_src"), [("/cms/", {"'self'", "'unsafe-inline'"}), ("/admin/", {"'self'"})])
def test_the_staff_areas_have_their_own_policy(superuser, path, script_src):
    client = Client()
    client.force_login(superuser)
    response = client.get(path)
    assert response.status_code == 200
    directives = policy(response)
    assert set(directives["script-src"]) == script_src
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["connect-src"] == ["'self'"] and directives["object-src"] == ["'none'"]


def test_files_keep_their_own_stricter_policy(db):
    # Served documents and attachments set theirs (default-src 'none' / sandbox); it is not replaced.
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model

    superuser = make_user(Role.STAFF, is_superuser=True)
    document = get_document_model().objects.create(
        title="Notes", file=ContentFile(b"hello", name="notes.txt"), uploaded_by_user=superuser
    )
    client = Client()
    client.force_login(superuser)
    assert client.get(document.url)["Content-Security-Policy"] == "default-src 'none'"


def test_with_media_on_s3_pages_and_the_service_worker_may_load_its_images(tmp_path):
    """The service worker fetches lessons' images to keep them offline (templates/pwa/sw.js), and
    a worker's fetches obey connect-src: the media host is allowed there as in img-src."""
    import json
    import subprocess
    import sys

    from lms.tests.production import PRODUCTION_SECRET_KEY

    script = (
        "import django, json; django.setup(); from django.conf import settings; "
        "d = settings.CONTENT_SECURITY_POLICY['DIRECTIVES']; print(json.dumps([d['img-src'], d['connect-src']]))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "lms.config.settings",
        "SECRET_KEY": PRODUCTION_SECRET_KEY,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "AWS_STORAGE_BUCKET_NAME": "lyceum-media",
        "AWS_S3_CUSTOM_DOMAIN": "media.lyceum.example",
    }
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    img_src, connect_src = json.loads(done.stdout)
    assert "https://media.lyceum.example" in img_src and "https://media.lyceum.example" in connect_src
    assert "'self'" in connect_src
