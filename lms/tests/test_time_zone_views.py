"""The notice that the device's zone differs from the profile's, and its two answers: switch
to the device's zone, or keep the profile's (issue 18, item 9)."""

import pytest
from django.contrib.messages import get_messages

from lms.models import Role, User
from lms.tests.factories import make_user

pytestmark = pytest.mark.django_db

SWITCH = "/profile/time-zone/"
KEEP = "/profile/time-zone/keep/"
NOTICE = "Your device is set to"


@pytest.fixture
def people(student, teacher, other_teacher, staff_user):
    """Everyone in Europe/London, and a student enrolled in the teacher's course."""
    from courses.services import enrollment_create
    from courses.tests.factories import make_course

    enrolled = make_user(Role.STUDENT, email="enrolled@example.com")
    enrollment_create(student=enrolled, course=make_course(teacher, modules=1, lessons=1), source="staff")
    users = {
        "student": student,
        "enrolled student": enrolled,
        "owning teacher": teacher,
        "other teacher": other_teacher,
        "staff": staff_user,
    }
    User.objects.update(time_zone="Europe/London")
    return users


def zones() -> dict[str, str]:
    return dict(User.objects.values_list("email", "time_zone"))


def test_anonymous_visitors_are_sent_to_log_in_and_nothing_changes(client, people):
    before = zones()
    for url in (SWITCH, KEEP):
        response = client.post(url, {"time_zone": "Asia/Kolkata", "next": "/courses/"})
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        assert "tz_kept" not in response.cookies
    assert zones() == before


@pytest.mark.parametrize("role", ["student", "enrolled student", "owning teacher", "other teacher", "staff"])
def test_a_signed_in_user_switches_their_own_zone_and_nobody_elses(client, people, role):
    user = people[role]
    client.force_login(user)
    before = zones()

    response = client.post(SWITCH, {"time_zone": "Asia/Kolkata", "next": "/notifications/"}, follow=True)

    assert response.redirect_chain == [("/notifications/", 302)]
    assert "Times are now shown in Asia/Kolkata." in response.content.decode()
    assert zones() == {**before, user.email: "Asia/Kolkata"}
    # Every time on the next page is in the new zone.
    assert "Times are shown in <strong>Asia/Kolkata</strong>" in response.content.decode()


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "localtime", "Europe/London<script>"])
def test_an_unknown_zone_is_refused_and_nothing_changes(client, people, zone):
    client.force_login(people["student"])
    before = zones()
    response = client.post(SWITCH, {"time_zone": zone, "next": "/notifications/"}, follow=True)
    assert "That is not a time zone we know, so your time zone was not changed." in response.content.decode()
    assert zones() == before


def test_the_switch_only_goes_back_to_our_own_pages(client, people):
    client.force_login(people["student"])
    response = client.post(SWITCH, {"time_zone": "Asia/Kolkata", "next": "https://evil.example/"})
    assert response["Location"] == "/dashboard/"


@pytest.mark.parametrize("url", [SWITCH, KEEP])
@pytest.mark.parametrize("back", ["²", "profile_edit", "courses/", "//evil.example/"])
def test_a_next_that_is_not_a_path_here_goes_to_the_dashboard(client, people, url, back):
    client.force_login(people["student"])
    response = client.post(url, {"time_zone": "Asia/Kolkata", "next": back})
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"


def test_the_endpoints_take_no_get(client, people):
    client.force_login(people["student"])
    assert client.get(SWITCH).status_code == 405
    assert client.get(KEEP).status_code == 405
    assert zones()[people["student"].email] == "Europe/London"


def test_the_notice_shows_when_the_device_is_in_another_zone(client, people):
    client.force_login(people["student"])
    client.cookies["tz"] = "Asia%2FKolkata"
    page = client.get("/notifications/").content.decode()
    assert (
        "Times are shown in <strong>Europe/London</strong>. Your device is set to <strong>Asia/Kolkata</strong>."
        in (page)
    )
    assert ">Use Asia/Kolkata</button>" in page and ">Keep</button>" in page


@pytest.mark.parametrize(
    "device",
    [
        "Europe%2FLondon",  # the same zone
        "Europe%2FBelfast",  # an old name of it
        "Nowhere%2FAtAll",  # not a zone
        "",  # no cookie yet
    ],
)
def test_no_notice_when_the_device_is_in_the_profiles_zone_or_unknown(client, people, device):
    client.force_login(people["student"])
    if device:
        client.cookies["tz"] = device
    assert NOTICE not in client.get("/notifications/").content.decode()


def test_chromiums_old_name_for_the_zone_is_the_same_zone(client, people):
    """Chromium reports "Asia/Calcutta" for Asia/Kolkata: no notice for the same zone, and
    the current name when it is another."""
    user = people["student"]
    client.force_login(user)
    client.cookies["tz"] = "Asia%2FCalcutta"
    assert "Your device is set to <strong>Asia/Kolkata</strong>" in client.get("/notifications/").content.decode()
    User.objects.filter(pk=user.pk).update(time_zone="Asia/Kolkata")
    assert NOTICE not in client.get("/notifications/").content.decode()


def test_keep_hides_the_notice_until_the_device_moves_again(client, people):
    user = people["student"]
    client.force_login(user)
    client.cookies["tz"] = "Asia%2FKolkata"

    response = client.post(KEEP, {"time_zone": "Asia/Kolkata", "next": "/notifications/"}, follow=True)

    assert response.redirect_chain == [("/notifications/", 302)]
    assert NOTICE not in response.content.decode()
    assert zones()[user.email] == "Europe/London"
    # The device moves on: the notice is back, for the new zone.
    client.cookies["tz"] = "America%2FLos_Angeles"
    assert (
        "Your device is set to <strong>America/Los_Angeles</strong>" in client.get("/notifications/").content.decode()
    )


def test_keep_refuses_an_unknown_zone(client, people):
    client.force_login(people["student"])
    response = client.post(KEEP, {"time_zone": "Mars/Olympus_Mons", "next": "/notifications/"})
    assert "tz_kept" not in response.cookies
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["That is not a time zone we know."]


def test_visitors_never_see_the_notice(client):
    client.cookies["tz"] = "Asia%2FKolkata"
    assert NOTICE not in client.get("/teachers/").content.decode()


def test_a_new_user_of_any_role_gets_the_notice(client):
    client.force_login(make_user(Role.TEACHER, time_zone="UTC"))
    client.cookies["tz"] = "Asia%2FKolkata"
    assert (
        "Times are shown in <strong>UTC</strong>. Your device is set to"
        in client.get("/dashboard/teacher/").content.decode()
    )
