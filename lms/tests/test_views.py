import datetime as dt
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from PIL import Image

from lms import services
from lms.models import AuditLogEntry, Notification, NotificationPreference, Role, User
from lms.tests.factories import PASSWORD
from lms.tests.production import PRODUCTION_SECRET_KEY, check_deploy

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "student", "teacher", "other_teacher", "staff"]


@pytest.fixture
def as_role(client, student, teacher, other_teacher, staff_user):
    users = {"student": student, "teacher": teacher, "other_teacher": other_teacher, "staff": staff_user}

    def login(role):
        if role != "anonymous":
            client.force_login(users[role])
        return client

    return login


# Expected status of a GET for each role. 302 from an anonymous visit means "sent to log in".
ACCESS = {
    "/": dict.fromkeys(ROLES, 200),
    "/healthz": dict.fromkeys(ROLES, 200),
    "/teachers/": dict.fromkeys(ROLES, 200),
    "/teachers/tess-teacher/": dict.fromkeys(ROLES, 200),
    "/dashboard/": {"anonymous": 302, "student": 302, "teacher": 302, "other_teacher": 302, "staff": 302},
    "/dashboard/student/": {"anonymous": 302, "student": 200, "teacher": 403, "other_teacher": 403, "staff": 200},
    "/dashboard/teacher/": {"anonymous": 302, "student": 403, "teacher": 200, "other_teacher": 200, "staff": 200},
    "/dashboard/staff/": {"anonymous": 302, "student": 403, "teacher": 403, "other_teacher": 403, "staff": 200},
    "/notifications/": {"anonymous": 302, **dict.fromkeys(ROLES[1:], 200)},
    "/notifications/settings/": {"anonymous": 302, **dict.fromkeys(ROLES[1:], 200)},
    "/profile/": {"anonymous": 302, **dict.fromkeys(ROLES[1:], 200)},
    "/accounts/login/": {"anonymous": 200, **dict.fromkeys(ROLES[1:], 302)},
    "/accounts/signup/": {"anonymous": 200, **dict.fromkeys(ROLES[1:], 302)},
    "/accounts/password/reset/": dict.fromkeys(ROLES, 200),
    "/accounts/password/change/": {"anonymous": 302, **dict.fromkeys(ROLES[1:], 200)},
    "/accounts/email/": {"anonymous": 302, **dict.fromkeys(ROLES[1:], 200)},
    "/accounts/2fa/": {"anonymous": 302, **dict.fromkeys(ROLES[1:], 200)},
    "/admin/": {"anonymous": 302, "student": 403, "teacher": 403, "other_teacher": 403, "staff": 200},
    "/admin/lms/user/": {"anonymous": 302, "student": 403, "teacher": 403, "other_teacher": 403, "staff": 200},
    # The audit log is for superusers only.
    "/admin/lms/auditlogentry/": {"anonymous": 302, "student": 403, "teacher": 403, "other_teacher": 403, "staff": 403},
    "/cms/": {"anonymous": 302, "student": 403, "teacher": 200, "other_teacher": 200, "staff": 200},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", list(ACCESS))
def test_access_by_role(as_role, url, role):
    response = as_role(role).get(url)
    assert response.status_code == ACCESS[url][role], f"{role} GET {url}"
    if response.status_code == 302 and role == "anonymous":
        final = as_role(role).get(url, follow=True)
        assert final.redirect_chain[-1][0].startswith("/accounts/login/"), f"{url} must lead to the login page"


@pytest.mark.parametrize(
    ("url", "role"),
    [
        ("/notifications/read-all/", "anonymous"),
        ("/notifications/1/read/", "anonymous"),
    ],
)
def test_posts_need_a_login(client, url, role):
    assert client.post(url).status_code == 302


def test_dashboard_sends_each_role_to_its_own(client, student, teacher, staff_user):
    for user, target in [
        (student, "/dashboard/student/"),
        (teacher, "/dashboard/teacher/"),
        (staff_user, "/dashboard/staff/"),
    ]:
        client.force_login(user)
        assert client.get("/dashboard/")["Location"] == target


def test_staff_are_told_clearly_why_a_page_is_refused(client, student):
    client.force_login(student)
    response = client.get("/admin/")
    assert response.status_code == 403
    assert "The staff portal is for Lyceum staff." in response.content.decode()
    response = client.get("/cms/")
    assert "The teaching studio is for teachers and editors." in response.content.decode()


def test_custom_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404 and "We couldn't find that page" in response.content.decode()


@override_settings(ROOT_URLCONF="lms.tests.urls_with_error")
def test_custom_500(client):
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500 and "Something went wrong on our side" in response.content.decode()


def test_home_page_is_the_wagtail_home_page(client):
    from lms.models import HomePage

    home = HomePage.objects.get()
    home.hero_title = "Learn anything"
    home.save_revision().publish()
    response = client.get("/")
    assert "Learn anything" in response.content.decode()
    assert '<main id="main"' in response.content.decode() and "Skip to main content" in response.content.decode()


class TestNavigation:
    def test_anonymous_sees_login_and_signup(self, client):
        html = client.get("/").content.decode()
        assert "Log in" in html and "Sign up" in html and "Teaching studio" not in html

    def test_student_sees_no_staff_links(self, client, student):
        client.force_login(student)
        html = client.get("/").content.decode()
        assert "Dashboard" in html and "Teaching studio" not in html and "Staff portal" not in html

    def test_teacher_sees_the_studio(self, client, teacher):
        client.force_login(teacher)
        html = client.get("/").content.decode()
        assert "Teaching studio" in html and "Staff portal" not in html

    def test_staff_see_the_portal(self, client, staff_user):
        client.force_login(staff_user)
        assert "Staff portal" in client.get("/").content.decode()

    def test_bell_shows_the_unread_count(self, client, student):
        for n in range(2):
            services.notify(user=student, kind="course", title=f"N{n}")
        client.force_login(student)
        assert 'aria-label="Notifications, 2 unread"' in client.get("/").content.decode()


class TestSignup:
    def post_signup(self, client, **overrides):
        data = {
            "email": "new@example.com",
            "password1": "a-Very-good-passphrase",
            "password2": "a-Very-good-passphrase",
            "display_name": "New Person",
            "time_zone": "Europe/Paris",
            **overrides,
        }
        return client.post("/accounts/signup/", data)

    def test_signup_creates_a_student_and_sends_the_confirmation(self, client, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            response = self.post_signup(client)
        assert response.status_code == 302 and response["Location"] == "/accounts/confirm-email/"
        user = User.objects.get(email="new@example.com")
        assert (user.role, user.display_name, user.time_zone) == (Role.STUDENT, "New Person", "Europe/Paris")
        subjects = sorted(m.subject for m in mail.outbox)
        assert subjects == ["Welcome to Lyceum, New Person", "[Lyceum] Please Confirm Your Email Address"]
        confirmation = next(m for m in mail.outbox if "Confirm" in m.subject)
        link = re.search(r"http://testserver(/accounts/confirm-email/[^\s]+/)", confirmation.body).group(1)

        response = client.post(link)
        assert response.status_code == 302 and response["Location"] == "/dashboard/"
        assert EmailAddress.objects.get(email="new@example.com").verified
        assert client.get("/dashboard/student/").status_code == 200

    def test_login_before_confirming_is_refused_with_a_clear_message(self, client):
        self.post_signup(client)
        client.logout()
        response = client.post("/accounts/login/", {"login": "new@example.com", "password": "a-Very-good-passphrase"})
        assert response.status_code == 302 and response["Location"] == "/accounts/confirm-email/"
        assert "Verify Your Email Address" in client.get(response["Location"]).content.decode()

    def test_duplicate_email_creates_nothing_and_tells_the_owner(
        self, client, student, django_capture_on_commit_callbacks
    ):
        # allauth prevents account enumeration: the form looks the same as for a new
        # address, and the clear message goes to the address's owner by email.
        with django_capture_on_commit_callbacks(execute=True):
            response = self.post_signup(client, email="STUDENT@example.com")
        assert response.status_code == 302
        assert User.objects.filter(email__iexact="student@example.com").count() == 1
        [message] = mail.outbox
        assert message.to == ["student@example.com"] and "Account Already Exists" in message.subject

    def test_weak_password_is_refused(self, client):
        response = self.post_signup(client, password1="password", password2="password")
        assert "This password is too common." in response.content.decode()
        assert not User.objects.filter(email="new@example.com").exists()

    def test_unknown_time_zone_is_refused(self, client):
        response = self.post_signup(client, time_zone="Mars/Olympus")
        assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
        assert not User.objects.exists()

    def test_a_bad_confirmation_link_says_so(self, client):
        response = client.get("/accounts/confirm-email/not-a-real-key/")
        assert "This email confirmation link expired or is invalid." in response.content.decode()


class TestLogin:
    def test_login_with_email_lands_on_the_dashboard(self, client, student):
        response = client.post("/accounts/login/", {"login": "student@example.com", "password": PASSWORD})
        assert response.status_code == 302 and response["Location"] == "/dashboard/"

    def test_wrong_password_is_a_clear_error(self, client, student):
        response = client.post("/accounts/login/", {"login": "student@example.com", "password": "nope"})
        assert response.status_code == 200
        assert "The email address and/or password you specified are not correct." in response.content.decode()

    def test_repeated_failures_are_rate_limited_with_a_message(self, client, student):
        for _ in range(5):
            client.post("/accounts/login/", {"login": "student@example.com", "password": "nope"})
        # Even the right password is refused now, with a message that says why.
        response = client.post("/accounts/login/", {"login": "student@example.com", "password": PASSWORD})
        assert response.status_code == 200
        assert "Too many failed login attempts. Try again later." in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_signup_flood_gets_the_429_page(self, client, settings):
        settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "3/m/ip"}
        statuses = [
            client.post("/accounts/signup/", {"email": f"flood{n}@example.com", "password1": "x"}).status_code
            for n in range(4)
        ]
        assert statuses[-1] == 429
        response = client.post("/accounts/signup/", {"email": "late@example.com", "password1": "x"})
        assert "Too many attempts" in response.content.decode()
        assert not User.objects.filter(email__startswith="flood").exists()

    def test_an_invalid_reset_link_says_so(self, client):
        response = client.get("/accounts/password/reset/key/1-set-password/", follow=True)
        assert "The password reset link was invalid, possibly because it has already been used." in (
            response.content.decode()
        )

    def test_password_change(self, client, student):
        client.force_login(student)
        response = client.post(
            "/accounts/password/change/",
            {"oldpassword": PASSWORD, "password1": "another-Good-passphrase", "password2": "another-Good-passphrase"},
        )
        assert response.status_code == 302
        student.refresh_from_db()
        assert student.check_password("another-Good-passphrase")

    def test_password_change_with_the_wrong_old_password_changes_nothing(self, client, student):
        client.force_login(student)
        response = client.post(
            "/accounts/password/change/",
            {"oldpassword": "wrong", "password1": "another-Good-passphrase", "password2": "another-Good-passphrase"},
        )
        assert response.status_code == 200 and "Please type your current password." in response.content.decode()
        student.refresh_from_db()
        assert student.check_password(PASSWORD)

    def test_email_change_needs_the_new_address_confirmed(self, client, student, django_capture_on_commit_callbacks):
        client.force_login(student)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/accounts/email/", {"action_add": "", "email": "new.address@example.com"})
        assert response.status_code == 302
        assert mail.outbox[-1].to == ["new.address@example.com"]
        assert EmailAddress.objects.get(email="new.address@example.com").verified is False
        student.refresh_from_db()
        assert student.email == "student@example.com"  # until the new address is confirmed

    def test_password_reset_sends_a_link(self, client, student, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/accounts/password/reset/", {"email": "student@example.com"})
        assert response.status_code == 302
        assert mail.outbox[-1].subject == "[Lyceum] Password Reset Email"
        assert "/accounts/password/reset/key/" in mail.outbox[-1].body


class TestSocialProviders:
    def test_no_provider_buttons_without_configuration(self, client):
        html = client.get("/accounts/login/").content.decode()
        assert "Continue with Google" not in html and "School login" not in html

    @pytest.mark.django_db(transaction=True)
    def test_google_and_oidc_appear_when_configured(self):
        """Configured from the environment, as a deployment does: the buttons show and the
        provider's own sign-in page exists (its app is installed only when configured)."""
        from lms.tests.servers import database_url

        script = (
            "import django; django.setup();"
            "from django.test.utils import setup_test_environment; setup_test_environment();"
            "from django.test import Client;"
            "html = Client().get('/accounts/login/').content.decode();"
            "print('Continue with Google' in html, 'Continue with School login' in html,"
            " Client().get('/accounts/google/login/').status_code)"
        )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "lms.config.settings_test",
            "DATABASE_URL": database_url(),
            "GOOGLE_CLIENT_ID": "id",
            "GOOGLE_CLIENT_SECRET": "secret",
            "OIDC_CLIENT_ID": "id",
            "OIDC_PROVIDER_ID": "school",
            "OIDC_NAME": "School login",
            "OIDC_SERVER_URL": "https://sso.example.edu/realms/school",
        }
        out = subprocess.run(
            [sys.executable, "-c", script], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, check=True
        ).stdout.split()
        assert out[-3:] == ["True", "True", "200"]


class TestNotificationsPages:
    def test_mark_read_with_htmx_returns_the_item(self, client, student):
        notification = services.notify(user=student, kind="course", title="Hello there")
        client.force_login(student)
        response = client.post(f"/notifications/{notification.pk}/read/", headers={"HX-Request": "true"})
        html = response.content.decode()
        assert response.status_code == 200 and "Hello there" in html and "<html" not in html
        assert "Mark as read" not in html
        notification.refresh_from_db()
        assert notification.is_read

    def test_mark_read_without_js_redirects(self, client, student):
        notification = services.notify(user=student, kind="course", title="Hello")
        client.force_login(student)
        assert client.post(f"/notifications/{notification.pk}/read/")["Location"] == "/notifications/"

    def test_someone_elses_notification_is_a_404_and_stays_unread(self, client, student, teacher):
        notification = services.notify(user=student, kind="course", title="Private")
        client.force_login(teacher)
        assert client.post(f"/notifications/{notification.pk}/read/").status_code == 404
        notification.refresh_from_db()
        assert not notification.is_read

    def test_list_shows_only_mine(self, client, student, teacher):
        services.notify(user=student, kind="course", title="For the student")
        services.notify(user=teacher, kind="course", title="For the teacher")
        client.force_login(student)
        html = client.get("/notifications/").content.decode()
        assert "For the student" in html and "For the teacher" not in html

    def test_mark_all_read_with_htmx(self, client, student):
        for n in range(3):
            services.notify(user=student, kind="course", title=f"N{n}")
        client.force_login(student)
        response = client.post("/notifications/read-all/", headers={"HX-Request": "true"})
        assert response.status_code == 200 and 'id="notification-list"' in response.content.decode()
        assert not Notification.objects.filter(read_at__isnull=True).exists()

    def test_get_is_not_allowed_on_actions(self, client, student):
        client.force_login(student)
        assert client.get("/notifications/read-all/").status_code == 405

    def test_settings_save_email_choices(self, client, student):
        client.force_login(student)
        response = client.post("/notifications/settings/", {"email_course": "on"})
        assert response.status_code == 302
        prefs = dict(NotificationPreference.objects.filter(user=student).values_list("kind", "email"))
        assert prefs["course"] is True and prefs["chat"] is False and prefs["live"] is False
        assert prefs.get("account", True) is True  # required kinds are always emailed, whatever the form says

    def test_times_are_shown_in_the_viewers_zone_across_dst(self, client, student):
        student.time_zone = "Europe/London"
        student.save()
        before = services.notify(user=student, kind="course", title="Before the change")
        after = services.notify(user=student, kind="course", title="After the change")
        # UK clocks went forward at 01:00 UTC on 29 March 2026.
        Notification.objects.filter(pk=before.pk).update(created_at=dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC))
        Notification.objects.filter(pk=after.pk).update(created_at=dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC))
        client.force_login(student)
        html = client.get("/notifications/").content.decode()
        assert "29 Mar 2026, 00:30" in html and "29 Mar 2026, 02:30" in html
        assert "Europe/London" in html


def png_bytes(size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "purple").save(buffer, "PNG")
    return buffer.getvalue()


class TestProfile:
    def post(self, client, **overrides):
        data = {"profile-display_name": "Sam S.", "profile-time_zone": "America/New_York", **overrides}
        return client.post("/profile/", data)

    def test_student_updates_name_zone_and_photo(self, client, student):
        from django.core.files.uploadedfile import SimpleUploadedFile

        client.force_login(student)
        response = self.post(client, **{"profile-photo": SimpleUploadedFile("me.png", png_bytes(), "image/png")})
        assert response.status_code == 302
        student.refresh_from_db()
        assert (student.display_name, student.time_zone) == ("Sam S.", "America/New_York")
        assert student.photo.name.endswith(".png")

    def test_a_fake_image_is_refused_and_nothing_changes(self, client, student):
        from django.core.files.uploadedfile import SimpleUploadedFile

        client.force_login(student)
        fake = SimpleUploadedFile("me.png", b"<script>alert(1)</script>", "image/png")
        response = self.post(client, **{"profile-photo": fake})
        assert response.status_code == 200
        assert "Upload a valid image" in response.content.decode()
        student.refresh_from_db()
        assert student.display_name == "Sam Student" and not student.photo

    def test_an_oversized_image_is_refused(self, client, student, settings):
        from django.core.files.uploadedfile import SimpleUploadedFile

        settings.MAX_UPLOAD_IMAGE_BYTES = 100
        client.force_login(student)
        response = self.post(
            client, **{"profile-photo": SimpleUploadedFile("big.png", png_bytes((64, 64)), "image/png")}
        )
        assert "the limit is 100" in response.content.decode()

    def test_unknown_time_zone_is_refused(self, client, student):
        client.force_login(student)
        response = self.post(client, **{"profile-time_zone": "Nowhere/Land"})
        assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
        student.refresh_from_db()
        assert student.time_zone == "UTC"

    def test_teacher_edits_the_public_page(self, client, teacher):
        client.force_login(teacher)
        response = self.post(
            client,
            **{
                "teacher-headline": "Physics tutor",
                "teacher-bio": "I teach <b>physics</b>.",
                "teacher-subjects": "Physics, Maths, Physics",
                "teacher-is_listed": "on",
            },
        )
        assert response.status_code == 302
        html = client.get("/teachers/tess-teacher/").content.decode()
        assert "Physics tutor" in html and "&lt;b&gt;physics&lt;/b&gt;" in html
        teacher.teacher_profile.refresh_from_db()
        assert teacher.teacher_profile.subjects == ["Physics", "Maths"]


class TestTeacherPages:
    def test_list_shows_listed_teachers_only(self, client, teacher, other_teacher):
        from tutors.models import Tutor

        Tutor.objects.bulk_create([Tutor(user=teacher, rate_60=3000), Tutor(user=other_teacher, rate_60=3000)])
        other_teacher.teacher_profile.is_listed = False
        other_teacher.teacher_profile.save()
        html = client.get("/teachers/").content.decode()
        assert "Tess Teacher" in html and "Otto Other" not in html

    def test_a_student_or_unknown_slug_has_no_teacher_page(self, client, student):
        assert client.get("/teachers/sam-student/").status_code == 404
        assert client.get("/teachers/nobody/").status_code == 404

    def test_a_demoted_teacher_page_disappears(self, client, teacher, staff_user):
        services.user_set_role(actor=staff_user, user=teacher, role=Role.STUDENT)
        assert client.get("/teachers/tess-teacher/").status_code == 404


class TestStaffAdmin:
    def test_promote_with_an_admin_action_is_audited(self, client, staff_user, student):
        client.force_login(staff_user)
        response = client.post(
            "/admin/lms/user/", {"action": "make_teacher", "_selected_action": [student.pk]}, follow=True
        )
        assert "1 user is now a teacher." in response.content.decode()
        student.refresh_from_db()
        assert student.role == Role.TEACHER
        entry = AuditLogEntry.objects.get(action="role.change")
        assert entry.actor == staff_user and entry.changes["role"] == ["student", "teacher"]

    def test_a_refused_role_change_is_reported(self, client, staff_user):
        client.force_login(staff_user)
        response = client.post(
            "/admin/lms/user/", {"action": "make_student", "_selected_action": [staff_user.pk]}, follow=True
        )
        assert "You cannot change your own role" in response.content.decode()
        staff_user.refresh_from_db()
        assert staff_user.role == Role.STAFF

    def test_editing_a_user_is_audited_with_before_and_after(self, client, staff_user, student):
        client.force_login(staff_user)
        url = reverse("admin:lms_user_change", args=[student.pk])
        response = client.post(
            url,
            {
                "email": student.email,
                "display_name": "Renamed",
                "time_zone": "UTC",
                "is_active": "on",
                "teacher_profile-TOTAL_FORMS": "0",
                "teacher_profile-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        entry = AuditLogEntry.objects.get(action="admin.change")
        assert entry.changes == {"display_name": ["Sam Student", "Renamed"]}
        assert entry.actor_email == "staff@example.com"

    def test_staff_cannot_edit_roles_directly_in_the_form(self, client, staff_user, student):
        client.force_login(staff_user)
        client.post(
            reverse("admin:lms_user_change", args=[student.pk]),
            {
                "email": student.email,
                "display_name": "x",
                "time_zone": "UTC",
                "role": "staff",
                "is_staff": "on",
                "is_superuser": "on",
                "is_active": "on",
                "teacher_profile-TOTAL_FORMS": "0",
                "teacher_profile-INITIAL_FORMS": "0",
            },
        )
        student.refresh_from_db()
        assert (student.role, student.is_staff, student.is_superuser) == (Role.STUDENT, False, False)

    def test_superuser_reads_the_audit_log_but_cannot_change_it(self, client, superuser, student):
        entry = services.user_set_role(actor=superuser, user=student, role=Role.TEACHER) and AuditLogEntry.objects.get()
        client.force_login(superuser)
        html = client.get("/admin/lms/auditlogentry/").content.decode()
        assert "role.change" in html and "&#x27;student&#x27; → &#x27;teacher&#x27;" in html
        change_url = reverse("admin:lms_auditlogentry_change", args=[entry.pk])
        assert client.get(change_url).status_code == 200  # a read-only view
        client.post(change_url, {"message": "tampered"})
        assert (
            client.post(reverse("admin:lms_auditlogentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
        )
        entry.refresh_from_db()
        assert entry.message != "tampered"

    def test_third_party_admins_are_audited_too(self, client, staff_user, student):
        address = EmailAddress.objects.get(user=student)
        client.force_login(staff_user)
        response = client.post(
            reverse("admin:account_emailaddress_change", args=[address.pk]),
            {"user": student.pk, "email": student.email, "verified": "", "primary": "on"},
        )
        assert response.status_code == 302
        entry = AuditLogEntry.objects.get(action="admin.change")
        assert entry.changes == {"verified": [True, False]}

    def test_deleting_is_audited(self, client, staff_user, student):
        notification = services.notify(user=student, kind="course", title="Doomed")
        client.force_login(staff_user)
        client.post(reverse("admin:lms_notification_delete", args=[notification.pk]), {"post": "yes"})
        assert not Notification.objects.exists()
        assert AuditLogEntry.objects.get(action="admin.delete").target_repr == "Doomed"

    def test_anonymous_admin_login_goes_through_allauth(self, client):
        response = client.get("/admin/login/?next=/admin/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("cookie", ["America%2FLos_Angeles", "America/Los_Angeles"])
def test_a_visitors_zone_cookie_is_read_as_the_browser_stores_it(client, db, cookie):
    client.cookies["tz"] = cookie  # lyceum.js writes it URL-encoded
    assert "Times are shown in <strong>America/Los_Angeles</strong>." in client.get("/teachers/").content.decode()


def test_an_unknown_zone_cookie_leaves_times_in_the_sites_zone(client, db):
    client.cookies["tz"] = "Mars%2FOlympus"
    assert "Times are shown in <strong>UTC</strong>." in client.get("/teachers/").content.decode()


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = check_deploy(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_secret_key_is_required_when_debug_is_off(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        env={"PATH": "/usr/bin:/bin", "DEBUG": "0", "DJANGO_SETTINGS_MODULE": "lms.config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "SECRET_KEY must be set when DEBUG is off." in result.stderr


def _manage(*args: str, env: dict, tmp_path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_unconfigured_checkout_runs_management_commands_as_development(tmp_path):
    # A fresh clone: no SECRET_KEY, no DEBUG, no .env (CI's clone has none).
    result = _manage("makemigrations", "--check", "--dry-run", env={}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


@pytest.mark.skipif(Path(".env").exists(), reason="a local .env sets DEBUG for every command (CI's clone has none)")
def test_a_deployment_with_a_secret_key_keeps_debug_off_in_management_commands(tmp_path):
    secret = PRODUCTION_SECRET_KEY
    show_debug = "from django.conf import settings; print(settings.DEBUG)"
    result = _manage("shell", "-c", show_debug, env={"SECRET_KEY": secret}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


class TestQueryCounts:
    """Pages run a constant number of queries however much data there is."""

    @pytest.mark.parametrize("count", [3, 60])
    def test_notification_list(self, client, student, django_assert_max_num_queries, count):
        for n in range(count):
            services.notify(user=student, kind="course", title=f"N{n}")
        client.force_login(student)
        with django_assert_max_num_queries(12):
            assert client.get("/notifications/").status_code == 200


@override_settings(DEBUG=True)
def test_development_media_never_serves_documents_or_chat_attachments(client, settings, tmp_path):
    import importlib

    from django.urls import clear_url_caches

    import lms.config.urls

    (tmp_path / "documents").mkdir()
    (tmp_path / "documents" / "secret.pdf").write_bytes(b"%PDF-1.4 secret")
    (tmp_path / "avatars").mkdir()
    (tmp_path / "avatars" / "me.txt").write_bytes(b"public")
    settings.MEDIA_ROOT = str(tmp_path)
    try:
        importlib.reload(lms.config.urls)
        clear_url_caches()
        assert client.get("/media/avatars/me.txt").status_code == 200
        assert client.get("/media/documents/secret.pdf").status_code == 404
        assert client.get("/media/chat/2026/11/x.pdf").status_code == 404
    finally:
        settings.DEBUG = False
        importlib.reload(lms.config.urls)
        clear_url_caches()


def test_staff_manage_people_only_in_the_audited_portal(client, staff_user, superuser):
    client.force_login(staff_user)
    response = client.get("/cms/users/")
    assert response.status_code == 403 and "managed in the staff portal" in response.content.decode()
    assert client.get("/cms/groups/").status_code == 403
    assert 'href="/cms/users/"' not in client.get("/cms/").content.decode()
    client.force_login(superuser)
    assert client.get("/cms/users/").status_code == 200
