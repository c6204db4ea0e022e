"""Teachers' images and documents in the teaching studio (/cms/): each teacher lists, opens and
chooses only their own uploads; staff and superusers see every file (courses/wagtail_hooks.py)."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "student", "owner", "other_teacher", "staff", "superuser"]


def _document(owner, title):
    document = get_document_model()(title=title, uploaded_by_user=owner)
    document.file.save(f"{title}.txt", ContentFile(title.encode()), save=False)
    document.save()
    return document


def _image(owner, title):
    buffer = io.BytesIO()
    PILImage.new("RGB", (8, 8), "teal").save(buffer, "PNG")
    return get_image_model().objects.create(
        title=title, uploaded_by_user=owner, file=ImageFile(buffer, name=f"{title}.png")
    )


@pytest.fixture
def files(teacher, other_teacher):
    return {
        "document": (_document(teacher, "tess-handout"), _document(other_teacher, "otto-handout")),
        "image": (_image(teacher, "tess-diagram"), _image(other_teacher, "otto-diagram")),
    }


@pytest.fixture
def as_role(client, student, teacher, other_teacher, staff_user, superuser):
    users = {
        "anonymous": None,
        "student": student,
        "owner": teacher,
        "other_teacher": other_teacher,
        "staff": staff_user,
        "superuser": superuser,
    }

    def login(role):
        client.logout()
        if users[role] is not None:
            client.force_login(users[role])
        return client

    return login


# What each role sees of Tess's file and of Otto's (Tess is "owner").
SEES = {
    "owner": (True, False),
    "other_teacher": (False, True),
    "staff": (True, True),
    "superuser": (True, True),
}


@pytest.mark.parametrize("kind", ["document", "image"])
@pytest.mark.parametrize("role", ROLES)
def test_listing_and_chooser_show_only_the_files_a_user_may_use(as_role, files, kind, role):
    client = as_role(role)
    tess, otto = files[kind]
    base = "/cms/documents/" if kind == "document" else "/cms/images/"
    for url in (base, f"{base}chooser/", f"{base}chooser/results/"):
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302 and "/login/" in response["Location"]
            continue
        if role == "student":
            assert response.status_code == 403
            continue
        assert response.status_code == 200, url
        html = response.content.decode()
        assert (tess.title in html, otto.title in html) == SEES[role], url


@pytest.mark.parametrize("kind", ["document", "image"])
@pytest.mark.parametrize("role", ROLES)
def test_choosing_or_editing_anothers_file_by_its_id_is_refused(as_role, files, kind, role):
    client = as_role(role)
    tess, otto = files[kind]
    base = "/cms/documents/" if kind == "document" else "/cms/images/"
    edit = "edit/{}/" if kind == "document" else "{}/"
    for file, allowed in zip((tess, otto), SEES.get(role, (False, False)), strict=True):
        for url in (f"{base}chooser/chosen/{file.pk}/", f"{base}{edit.format(file.pk)}"):
            response = client.get(url)
            if role == "anonymous":
                assert response.status_code == 302
            elif allowed:
                assert response.status_code == 200, url
            else:
                assert response.status_code in (302, 403), url  # Wagtail redirects a refused edit
                if response.status_code == 302:
                    assert file.title not in client.get(response["Location"]).content.decode()
