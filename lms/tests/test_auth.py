"""Who a request belongs to is read from the database on every request (Django's and allauth's
own backends): a deactivated or deleted user's next request is anonymous, however the row
changed."""

import pytest

from lms.models import User

pytestmark = pytest.mark.django_db

DASHBOARD = "/dashboard/student/"


@pytest.fixture
def signed_in(client, student):
    client.force_login(student)
    assert client.get(DASHBOARD).status_code == 200
    assert client.get(DASHBOARD).status_code == 200  # twice: anything cached about them is cached now
    return client


def _is_anonymous(client) -> bool:
    response = client.get(DASHBOARD)
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_user_deactivated_with_save_is_anonymous_on_the_next_request(signed_in, student):
    student.is_active = False
    student.save()
    assert _is_anonymous(signed_in)


def test_a_user_deactivated_in_bulk_is_anonymous_on_the_next_request(signed_in, student):
    # A queryset update sends no signal: nothing but the row itself can tell.
    User.objects.filter(pk=student.pk).update(is_active=False)
    assert _is_anonymous(signed_in)


def test_a_deleted_user_is_anonymous_on_the_next_request(signed_in, student):
    student.delete()
    assert _is_anonymous(signed_in)


def test_a_password_changed_elsewhere_signs_the_session_out(signed_in, student):
    student.set_password("a-brand-new-passphrase")
    student.save()
    assert _is_anonymous(signed_in)
