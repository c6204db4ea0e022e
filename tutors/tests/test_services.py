"""What a teacher offers, packages, credentials and the Verified badge, through the services."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from lms.models import AuditLogEntry, Notification
from tutors import services
from tutors.models import Credential, Package
from tutors.tests.factories import offer, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db


class TestOffer:
    def test_teacher_sets_prices_subjects_and_trial(self, teacher):
        tutor = offer(teacher)
        assert (tutor.rate_30, tutor.rate_45, tutor.rate_60, tutor.trial_price) == (2000, 2800, 3500, 1000)
        assert [s.name for s in tutor.subjects.all()] == ["Mathematics"]
        assert sorted(lang.code for lang in tutor.languages.all()) == ["en", "es"]

    def test_only_teachers_have_a_marketplace_profile(self, student):
        with pytest.raises(PermissionDenied):
            services.tutor_ensure(user=student)

    def test_another_teacher_cannot_edit(self, teacher, other_teacher):
        tutor = offer(teacher)
        with pytest.raises(PermissionDenied):
            services.tutor_update(
                actor=other_teacher, tutor=tutor, subjects=[], levels=[], languages=[], currency="GBP",
                rate_30=None, rate_45=None, rate_60=100,
            )  # fmt: skip

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"currency": "XYZ"}, "currency"),
            ({"rate_60": None}, "rate_60"),  # listed without an hourly price
            ({"rate_45": 0}, "rate_45"),
            ({"trial_price": 2000}, "trial_price"),  # not cheaper than a normal 30 minutes
            ({"trial_minutes": 45, "rate_45": None}, "trial_price"),
            ({"intro_video_url": "https://evil.example.com/video.mp4"}, "intro_video_url"),
        ],
    )
    def test_bad_offers_are_refused_field_by_field(self, teacher, changes, field):
        offer(teacher)
        with pytest.raises(ValidationError) as caught:
            offer(teacher, **changes)
        assert field in caught.value.error_dict
        teacher.tutor.refresh_from_db()
        assert teacher.tutor.rate_60 == 3500 and teacher.tutor.currency == "GBP"

    def test_a_youtube_intro_video_is_accepted(self, teacher):
        tutor = offer(teacher, intro_video_url="https://youtu.be/abcdefghijk")
        assert tutor.intro_video_url == "https://youtu.be/abcdefghijk"


class TestPackages:
    def test_add_and_remove(self, teacher):
        tutor = offer(teacher)
        package = services.package_add(actor=teacher, tutor=tutor, lessons=10, minutes=60, discount_percent=10)
        assert package.price() == 31500  # 10 × £35 less 10 %
        services.package_remove(actor=teacher, tutor=tutor, package_id=package.pk)
        services.package_remove(actor=teacher, tutor=tutor, package_id=package.pk)  # a second click: no change
        assert not Package.objects.filter(tutor=tutor, is_active=True).exists()
        again = services.package_add(actor=teacher, tutor=tutor, lessons=10, minutes=60, discount_percent=15)
        assert again.pk == package.pk and again.is_active and again.discount_percent == 15

    def test_the_same_package_twice_is_refused(self, teacher):
        tutor = offer(teacher)
        services.package_add(actor=teacher, tutor=tutor, lessons=5, minutes=60, discount_percent=5)
        with pytest.raises(ValidationError, match="already offer"):
            services.package_add(actor=teacher, tutor=tutor, lessons=5, minutes=60, discount_percent=5)
        assert Package.objects.filter(tutor=tutor).count() == 1

    @pytest.mark.parametrize(
        ("lessons", "minutes", "discount", "field"),
        [
            (1, 60, 10, "lessons"),
            (5, 90, 10, "minutes"),
            (5, 60, 0, "discount_percent"),
            (5, 60, 80, "discount_percent"),
        ],
    )
    def test_bad_packages_are_refused(self, teacher, lessons, minutes, discount, field):
        tutor = offer(teacher)
        with pytest.raises(ValidationError) as caught:
            services.package_add(
                actor=teacher, tutor=tutor, lessons=lessons, minutes=minutes, discount_percent=discount
            )
        assert field in caught.value.error_dict

    def test_a_length_without_a_price_cannot_be_packaged(self, teacher):
        tutor = offer(teacher, rate_45=None)
        with pytest.raises(ValidationError, match="price for a lesson of that length"):
            services.package_add(actor=teacher, tutor=tutor, lessons=5, minutes=45, discount_percent=5)

    def test_another_teacher_cannot_remove(self, teacher, other_teacher):
        tutor = offer(teacher)
        package = services.package_add(actor=teacher, tutor=tutor, lessons=5, minutes=60, discount_percent=5)
        with pytest.raises(PermissionDenied):
            services.package_remove(actor=other_teacher, tutor=tutor, package_id=package.pk)


class TestCredentials:
    def test_a_pdf_and_a_png_are_stored(self, teacher):
        tutor = services.tutor_ensure(user=teacher)
        pdf = services.credential_upload(
            actor=teacher, tutor=tutor, kind="diploma", upload=SimpleUploadedFile("diploma.pdf", pdf_bytes())
        )
        png = services.credential_upload(
            actor=teacher, tutor=tutor, kind="id", upload=SimpleUploadedFile("passport.png", png_bytes())
        )
        assert (pdf.content_type, pdf.original_name, pdf.status) == ("application/pdf", "diploma.pdf", "pending")
        assert png.content_type == "image/png" and png.size == len(png_bytes())
        assert not pdf.file.name.endswith("diploma.pdf")  # stored under a random name

    @pytest.mark.parametrize(
        ("name", "content", "message"),
        [
            ("diploma.pdf", b"<html><script>alert(1)</script></html>", "Upload a PDF, JPEG or PNG file."),
            ("photo.png", b"\x89PNG\r\n\x1a\nnot really a png", "Only images"),
            ("diploma.pdf", b"%PDF-1.4 broken", "damaged"),
        ],
    )
    def test_wrong_content_is_refused_and_nothing_stored(self, teacher, name, content, message):
        tutor = services.tutor_ensure(user=teacher)
        with pytest.raises(ValidationError, match=message):
            services.credential_upload(actor=teacher, tutor=tutor, kind="id", upload=SimpleUploadedFile(name, content))
        assert not Credential.objects.exists()

    def test_too_big_is_refused(self, teacher, settings):
        settings.TUTOR_CREDENTIAL_MAX_BYTES = 1024 * 1024
        tutor = services.tutor_ensure(user=teacher)
        upload = SimpleUploadedFile("scan.pdf", b"%PDF-1.4" + b"0" * (1024 * 1024))
        with pytest.raises(ValidationError, match="too big: at most 1 MB"):
            services.credential_upload(actor=teacher, tutor=tutor, kind="id", upload=upload)
        assert not Credential.objects.exists()

    def test_review_is_audited_and_told(self, teacher, staff_user):
        tutor = services.tutor_ensure(user=teacher)
        credential = services.credential_upload(
            actor=teacher, tutor=tutor, kind="id", upload=SimpleUploadedFile("id.png", png_bytes())
        )
        services.credential_review(actor=staff_user, credential=credential, approve=False, note="Blurred; try again.")
        credential.refresh_from_db()
        assert credential.status == "rejected" and credential.reviewed_by == staff_user
        assert AuditLogEntry.objects.filter(action="tutors.credential.review", actor=staff_user).exists()
        note = Notification.objects.get(user=teacher)
        assert "was not accepted" in note.title and note.body == "Blurred; try again."

    def test_teachers_cannot_review(self, teacher):
        tutor = services.tutor_ensure(user=teacher)
        credential = services.credential_upload(
            actor=teacher, tutor=tutor, kind="id", upload=SimpleUploadedFile("id.png", png_bytes())
        )
        with pytest.raises(PermissionDenied):
            services.credential_review(actor=teacher, credential=credential, approve=True)


class TestVerification:
    def test_grant_and_revoke_are_audited_told_and_shown(self, client, teacher, staff_user):
        tutor = offer(teacher)
        services.verification_grant(actor=staff_user, tutor=tutor, note="ID and MSc checked")
        services.verification_grant(actor=staff_user, tutor=tutor)  # twice: one entry
        entries = AuditLogEntry.objects.filter(action="tutors.verification.grant", target_id=str(tutor.pk))
        assert entries.count() == 1 and entries.get().actor == staff_user
        assert entries.get().message == "ID and MSc checked"
        assert Notification.objects.filter(user=teacher, title="You are now a verified teacher").exists()
        page = f"/teachers/{teacher.teacher_profile.slug}/"
        assert "data-verified" in client.get(page).content.decode()

        services.verification_revoke(actor=staff_user, tutor=tutor, note="Document expired")
        tutor.refresh_from_db()
        assert tutor.verified_at is None
        assert AuditLogEntry.objects.filter(action="tutors.verification.revoke", message="Document expired").exists()
        assert Notification.objects.filter(user=teacher, title="Your Verified badge was removed").exists()
        assert "data-verified" not in client.get(page).content.decode()
        client.force_login(teacher)
        assert "Verified</span>" not in client.get("/dashboard/teacher/").content.decode()

    def test_only_staff_verify(self, teacher):
        tutor = offer(teacher)
        with pytest.raises(PermissionDenied):
            services.verification_grant(actor=teacher, tutor=tutor)
        assert not AuditLogEntry.objects.filter(action__startswith="tutors.").exists()
