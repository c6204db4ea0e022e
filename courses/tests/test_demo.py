"""The demo loader's courses: generated covers (drawn with Pillow at load time), distinct per
subject, the home page's sections; a run again adds nothing."""

from io import StringIO

from PIL import Image as PILImage
from wagtail.images import get_image_model

from courses.demo import COURSES, COVERLESS
from courses.models import CoursePage
from lms.management.commands.load_demo_data import Command
from lms.models import HomePage


def test_demo_courses_get_generated_covers_once(db, client):
    Command(stdout=StringIO()).handle()
    courses = {course.slug: course for course in CoursePage.objects.live().select_related("cover_image")}
    covered = {slug: course.cover_image for slug, course in courses.items() if course.cover_image}
    assert len(courses) == len(COURSES) and set(courses) - set(covered) == COVERLESS
    for slug, image in covered.items():
        assert (image.width, image.height) == (1280, 720) and image.file.name.endswith(".jpg")
        assert image.uploaded_by_user_id == courses[slug].owner_id  # the teacher may choose it

    def colour(slug):
        with covered[slug].file.open() as f:
            return PILImage.open(f).convert("RGB").resize((1, 1), PILImage.BOX).getpixel((0, 0))

    # Distinct per subject: programming, mathematics, languages and science look different.
    subjects = ["python-from-scratch", "algebra-essentials", "conversational-french", "chemistry-of-everyday-life"]
    assert len({colour(slug) for slug in subjects}) == 4

    html = client.get("/courses/").content.decode()
    assert html.count("srcset=") == len(covered) and f"cover-{subjects[0]}" in html

    home = client.get("/").content.decode()
    for heading in ("Featured course", "Featured courses", "Meet the teachers", "What students say"):
        assert f">{heading}<" in home, heading
    assert "Grace Hopper" in home and "Amara Okafor" in home

    images, revisions = get_image_model().objects.count(), HomePage.objects.get().revisions.count()
    Command(stdout=StringIO()).handle()
    assert get_image_model().objects.count() == images
    assert HomePage.objects.get().revisions.count() == revisions  # the editor's sections are kept
