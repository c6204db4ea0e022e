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


# --- Files named by id in a page's edit form --------------------------------------------------


def _lesson_form(lesson, *, document_id: int) -> dict:
    """The teaching studio's lesson edit form as a browser posts it, with one attachment."""
    from wagtail.test.utils.form_data import nested_form_data, streamfield

    return nested_form_data(
        {
            "title": lesson.title,
            "slug": lesson.slug,
            "duration_minutes": 10,
            "body": streamfield([("attachment", {"document": document_id, "description": "Handout"})]),
        }
    )


def _course_form(course, *, image_id: int) -> dict:
    from wagtail.test.utils.form_data import nested_form_data, rich_text

    return nested_form_data(
        {
            "title": course.title,
            "slug": course.slug,
            "summary": course.summary,
            "description": rich_text("<p>About the course</p>"),
            "cover_image": image_id,
            "level": course.level,
            "estimated_hours": 1,
            "price": "0",
            "currency": "GBP",
            "teachers": [t.pk for t in course.teachers.all()],
        }
    )


@pytest.fixture
def course(teacher):
    from courses.tests.factories import make_course

    return make_course(teacher, title="Graph Theory", modules=1, lessons=1, quiz_in_last=False)


def _attachments(lesson) -> list[int]:
    from courses.models import LessonPage

    lesson = LessonPage.objects.get(pk=lesson.pk).get_latest_revision_as_object()
    return [block.value["document"].pk for block in lesson.body if block.block_type == "attachment"]


@pytest.mark.parametrize(
    "role, uses, refused",
    [
        ("owner", "otto", True),  # another teacher's private file, its id typed into the POST
        ("owner", "tess", False),  # one's own file
        ("staff", "otto", False),  # staff may change every file
        ("superuser", "otto", False),
    ],
)
def test_a_lesson_may_use_only_documents_its_editor_may_choose(as_role, files, course, role, uses, refused):
    from courses.tests.factories import lessons_of

    lesson = lessons_of(course)[0]
    document = dict(zip(("tess", "otto"), files["document"], strict=True))[uses]
    response = as_role(role).post(f"/cms/pages/{lesson.pk}/edit/", _lesson_form(lesson, document_id=document.pk))
    if refused:
        assert response.status_code == 200
        assert "You can only use images and documents you uploaded" in response.content.decode()
        assert f"document {document.pk}" in response.content.decode()
        assert _attachments(lesson) == []  # nothing saved
    else:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert _attachments(lesson) == [document.pk]


def test_a_teacher_may_keep_a_file_staff_put_in_their_lesson(as_role, files, course):
    """Staff attach Otto's handout to Tess's lesson; Tess may still save the lesson with it."""
    from courses.tests.factories import lessons_of

    lesson = lessons_of(course)[0]
    otto_handout = files["document"][1]
    form = _lesson_form(lesson, document_id=otto_handout.pk)
    assert as_role("staff").post(f"/cms/pages/{lesson.pk}/edit/", form).status_code == 302
    form["title"] = "Renamed by Tess"
    assert as_role("owner").post(f"/cms/pages/{lesson.pk}/edit/", form).status_code == 302
    assert _attachments(lesson) == [otto_handout.pk]


@pytest.mark.parametrize("role, refused", [("owner", True), ("staff", False)])
def test_a_course_cover_may_only_be_an_image_its_editor_may_choose(as_role, files, course, role, refused):
    from courses.models import CoursePage

    otto_diagram = files["image"][1]
    response = as_role(role).post(f"/cms/pages/{course.pk}/edit/", _course_form(course, image_id=otto_diagram.pk))
    saved = CoursePage.objects.get(pk=course.pk).get_latest_revision_as_object().cover_image_id
    if refused:
        assert response.status_code == 200
        assert f"image {otto_diagram.pk} is not one of them" in response.content.decode()
        assert saved is None
    else:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert saved == otto_diagram.pk
