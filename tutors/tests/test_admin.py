"""Staff review credentials and grant or revoke the badge in the staff portal."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lms.models import AuditLogEntry
from tutors import services
from tutors.models import Credential
from tutors.tests.factories import offer, png_bytes

pytestmark = pytest.mark.django_db


def test_staff_review_a_credential_and_verify_the_teacher(client, superuser, teacher):
    tutor = offer(teacher)
    credential = services.credential_upload(
        actor=teacher, tutor=tutor, kind="id", upload=SimpleUploadedFile("passport.png", png_bytes())
    )
    client.force_login(superuser)
    page = client.get(reverse("admin:tutors_credential_change", args=[credential.pk])).content.decode()
    assert f'href="/tutors/credentials/{credential.pk}/file/"' in page
    client.post(
        reverse("admin:tutors_credential_changelist"), {"action": "approve", "_selected_action": [credential.pk]}
    )
    credential.refresh_from_db()
    assert credential.status == Credential.Status.APPROVED and credential.reviewed_by == superuser

    changelist = reverse("admin:tutors_tutor_changelist")
    client.post(changelist, {"action": "grant_verification", "_selected_action": [tutor.pk]})
    tutor.refresh_from_db()
    assert tutor.verified_at is not None
    client.post(changelist, {"action": "revoke_verification", "_selected_action": [tutor.pk]})
    tutor.refresh_from_db()
    assert tutor.verified_at is None
    actions = list(AuditLogEntry.objects.filter(action__startswith="tutors.").values_list("action", flat=True))
    assert sorted(actions) == [
        "tutors.credential.review",
        "tutors.verification.grant",
        "tutors.verification.revoke",
    ]
