"""The teacher's marketplace pages, their public page and the private credential files,
through the endpoints, for each role."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from live.tests.factories import availability_set
from lms.models import Role
from lms.tests.factories import make_user
from tutors import services
from tutors.models import Credential, Package
from tutors.tests.factories import offer, pdf_bytes, png_bytes, taxonomy

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "student", "teacher", "other_teacher", "staff"]


@pytest.fixture
def as_role(client, student, teacher, other_teacher, staff_user):
    users = {"student": student, "teacher": teacher, "other_teacher": other_teacher, "staff": staff_user}

    def login(role):
        client.logout()
        if role != "anonymous":
            client.force_login(users[role])
        return client

    return login


@pytest.fixture
def credential(teacher):
    tutor = services.tutor_ensure(user=teacher)
    return services.credential_upload(
        actor=teacher, tutor=tutor, kind="diploma", upload=SimpleUploadedFile("diploma.pdf", pdf_bytes())
    )


OWN_PAGES = {"anonymous": 302, "student": 403, "teacher": 200, "other_teacher": 200, "staff": 403}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ["/tutors/offer/", "/tutors/credentials/"])
def test_teachers_own_pages_per_role(as_role, role, path):
    assert as_role(role).get(path).status_code == OWN_PAGES[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("path", "done"), [("/tutors/offer/packages/", 302), ("/tutors/offer/packages/{pk}/remove/", 302)]
)
def test_package_posts_per_role(as_role, teacher, other_teacher, role, path, done):
    tutor = offer(teacher)
    package = services.package_add(actor=teacher, tutor=tutor, lessons=10, minutes=60, discount_percent=10)
    client = as_role(role)
    if role == "other_teacher":
        offer(other_teacher)  # their own offer: they may add packages to it, never remove mine
    response = client.post(path.format(pk=package.pk), {"lessons": 5, "minutes": 60, "discount_percent": 10})
    assert response.status_code == {"teacher": done, "other_teacher": done}.get(role, OWN_PAGES[role])
    package.refresh_from_db()
    assert package.is_active == (role != "teacher" or "remove" not in path)


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 404), ("student", 404), ("other_teacher", 404), ("teacher", 200), ("staff", 200)],
)
def test_credential_file_only_for_its_teacher_and_staff(as_role, credential, role, status):
    response = as_role(role).get(f"/tutors/credentials/{credential.pk}/file/")
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"]


def test_credentials_are_not_under_the_public_media_url(client, credential, settings):
    assert credential.file.name.startswith("credentials/")
    assert client.get(f"/media/{credential.file.name}").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_public_profile_per_role(as_role, teacher, role):
    offer(teacher)
    assert as_role(role).get(f"/teachers/{teacher.teacher_profile.slug}/").status_code == 200


class TestOfferPage:
    def test_teacher_saves_prices_in_major_units(self, client, teacher):
        found = taxonomy()
        client.force_login(teacher)
        response = client.post(
            "/tutors/offer/",
            {
                "subjects": [found["maths"].pk, found["physics"].pk],
                "levels": [found["beginner"].pk],
                "languages": [found["english"].pk],
                "currency": "EUR",
                "rate_30": "15",
                "rate_45": "",
                "rate_60": "27.50",
                "trial_price": "9",
                "trial_minutes": "30",
                "intro_video_url": "https://vimeo.com/123456",
                "education": "BSc",
                "experience": "Five years",
                "is_listed": "on",
            },
        )
        assert response.status_code == 302
        tutor = teacher.tutor
        tutor.refresh_from_db()
        assert (tutor.currency, tutor.rate_30, tutor.rate_45, tutor.rate_60, tutor.trial_price) == (
            "EUR", 1500, None, 2750, 900,
        )  # fmt: skip
        html = client.get("/tutors/offer/").content.decode()
        assert 'value="27.50"' in html and "Your marketplace profile is saved." in html

    def test_errors_are_shown_on_the_form(self, client, teacher):
        client.force_login(teacher)
        response = client.post(
            "/tutors/offer/",
            {"currency": "GBP", "rate_60": "30", "trial_price": "40", "trial_minutes": "30", "rate_30": "20",
             "intro_video_url": "https://example.com/me.mp4", "is_listed": "on"},
        )  # fmt: skip
        html = response.content.decode()
        assert response.status_code == 422
        assert "A trial lesson costs less than a normal lesson of the same length." in html
        assert "Use a YouTube or Vimeo video link." in html

    def test_packages_added_and_removed_with_htmx_and_without(self, client, teacher):
        offer(teacher)
        client.force_login(teacher)
        response = client.post(
            "/tutors/offer/packages/",
            {"lessons": 10, "minutes": 60, "discount_percent": 10},
            headers={"HX-Request": "true"},
        )
        html = response.content.decode()
        assert response.status_code == 200 and 'id="packages"' in html and "<html" not in html
        assert "10 × 60 minutes, 10 % off" in html
        package = Package.objects.get(tutor=teacher.tutor)
        # The same package again (a double click): one row, the error in the fragment.
        response = client.post(
            "/tutors/offer/packages/",
            {"lessons": 10, "minutes": 60, "discount_percent": 10},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 422 and "You already offer that package." in response.content.decode()
        assert Package.objects.filter(tutor=teacher.tutor).count() == 1
        # Without JavaScript: a plain form post and a redirect back.
        response = client.post(f"/tutors/offer/packages/{package.pk}/remove/")
        assert response.status_code == 302 and response["Location"] == "/tutors/offer/"
        assert "No packages yet." in client.get("/tutors/offer/").content.decode()

    def test_another_teacher_cannot_remove_my_package(self, client, teacher, other_teacher):
        tutor = offer(teacher)
        package = services.package_add(actor=teacher, tutor=tutor, lessons=5, minutes=60, discount_percent=5)
        client.force_login(other_teacher)
        client.post(f"/tutors/offer/packages/{package.pk}/remove/")
        package.refresh_from_db()
        assert package.is_active

    def test_dashboard_links_to_the_settings(self, client, teacher):
        client.force_login(teacher)
        html = client.get("/dashboard/teacher/").content.decode()
        assert 'href="/tutors/offer/"' in html and 'href="/tutors/credentials/"' in html


class TestCredentialsPage:
    def test_upload_and_list(self, client, teacher):
        client.force_login(teacher)
        response = client.post(
            "/tutors/credentials/", {"kind": "id", "file": SimpleUploadedFile("passport.png", png_bytes())}
        )
        assert response.status_code == 302
        html = client.get("/tutors/credentials/").content.decode()
        assert "passport.png" in html and "Waiting for review" in html

    def test_wrong_content_is_refused_with_a_message(self, client, teacher):
        client.force_login(teacher)
        response = client.post(
            "/tutors/credentials/", {"kind": "id", "file": SimpleUploadedFile("cv.pdf", b"MZ\x90\x00 an executable")}
        )
        assert response.status_code == 422
        assert "Upload a PDF, JPEG or PNG file." in response.content.decode()
        assert not Credential.objects.exists()

    def test_too_big_is_refused_with_a_message(self, client, teacher, settings):
        settings.TUTOR_CREDENTIAL_MAX_BYTES = 1024 * 1024
        client.force_login(teacher)
        big = SimpleUploadedFile("scan.png", png_bytes() + b"\x00" * (1024 * 1024))
        response = client.post("/tutors/credentials/", {"kind": "id", "file": big})
        assert response.status_code == 422
        assert "The file is too big: at most 1 MB." in response.content.decode()
        assert not Credential.objects.exists()


class TestProfilePage:
    def test_a_teacher_without_a_tutor_row_still_has_a_page(self, client, teacher):
        html = client.get(f"/teachers/{teacher.teacher_profile.slug}/").content.decode()
        assert "Tess Teacher" in html and "Prices" not in html

    def test_prices_trial_packages_and_facts(self, client, teacher):
        tutor = offer(teacher, intro_video_url="https://www.youtube.com/watch?v=abcdefghijk")
        services.package_add(actor=teacher, tutor=tutor, lessons=10, minutes=60, discount_percent=10)
        html = client.get(f"/teachers/{teacher.teacher_profile.slug}/").content.decode()
        assert "£20" in html and "£28" in html and "£35" in html
        assert "Trial lesson: 30 minutes for <strong>£10</strong>" in html
        assert "10 × 60 minutes: <strong>£315</strong> (10 % off)" in html
        assert "Mathematics" in html and "Beginner" in html and "English, Spanish" in html
        assert "MSc Mathematics" in html and "Ten years of tutoring" in html
        assert "youtube-nocookie.com/embed/abcdefghijk" in html  # waits in a <template> until Play
        assert "No reviews yet" in html and "data-verified" not in html

    def test_next_available_times_in_the_viewers_zone(self, client, teacher):
        offer(teacher)
        teacher.time_zone = "Europe/London"
        teacher.save(update_fields=["time_zone"])
        # Mondays 09:00–10:00 in London (08:00 UTC in summer, 09:00 in winter).
        availability_set(teacher, zone="Europe/London", hours=[(0, "09:00", "10:00")], class_minutes=60)
        viewer = make_user(Role.STUDENT, email="tokyo@example.com", display_name="Taro", time_zone="Asia/Tokyo")
        client.force_login(viewer)
        with time_machine.travel(datetime(2026, 12, 2, 12, 0, tzinfo=UTC), tick=False):  # a Wednesday
            html = client.get(f"/teachers/{teacher.teacher_profile.slug}/").content.decode()
        # Monday 7 December 09:00 London = 18:00 in Tokyo.
        assert "In your time zone, Asia/Tokyo." in html
        assert "Mon 7 Dec, 18:00" in html
        assert 'href="/live/teachers/tess-teacher/"' in html
        assert "Europe/London" in html  # the teacher's own zone

    def test_a_student_or_unknown_slug_has_no_page(self, client, student):
        assert client.get("/teachers/sam-student/").status_code == 404
        assert client.get("/teachers/nobody/").status_code == 404

    def test_rating_and_stats_from_the_tutor_row(self, client, teacher):
        tutor = offer(teacher)
        type(tutor).objects.filter(pk=tutor.pk).update(
            rating_count=12, rating_average="4.75", lessons_taught=130, response_minutes=150
        )
        html = client.get(f"/teachers/{teacher.teacher_profile.slug}/").content.decode()
        assert "4.75 from 12 reviews" in html and "130" in html and "Usually within 2 hours" in html


def test_free_times_are_after_now(teacher):
    from tutors.selectors import next_free_times

    availability_set(teacher, zone="UTC", hours=[(day, "00:00", "23:00") for day in range(7)])
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    times = next_free_times(teacher=teacher, now=now, limit=3)
    assert len(times) == 3 and all(t >= now + timedelta(hours=2) for t in times)
