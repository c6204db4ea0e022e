from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import translation

from lms import services, tasks
from lms.models import AuditLogEntry, Notification, Role, TeacherProfile
from lms.tests.factories import make_user

pytestmark = pytest.mark.django_db


class TestUserSetRole:
    def test_promote_student_to_teacher(self, staff_user, student, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            user = services.user_set_role(actor=staff_user, user=student, role=Role.TEACHER)

        assert user.role == Role.TEACHER and not user.is_staff
        assert list(user.groups.values_list("name", flat=True)) == ["Teacher"]
        assert user.has_perm("wagtailadmin.access_admin")
        assert TeacherProfile.objects.get(user=user).slug == "sam-student"
        entry = AuditLogEntry.objects.get(action="role.change")
        assert entry.actor == staff_user and entry.target_repr == str(user)
        assert entry.changes == {"role": ["student", "teacher"], "is_staff": [False, False]}
        assert Notification.objects.get(user=user, kind="role").title == "You are now a teacher on Lyceum"
        assert mail.outbox[-1].to == ["student@example.com"]

    def test_promote_to_staff_grants_the_admin_and_demote_takes_it_away(self, staff_user, teacher):
        user = services.user_set_role(actor=staff_user, user=teacher, role=Role.STAFF)
        assert user.is_staff and user.has_perm("lms.view_user")
        user = services.user_set_role(actor=staff_user, user=user, role=Role.STUDENT)
        assert not user.is_staff and not user.has_perm("lms.view_user")
        assert AuditLogEntry.objects.filter(action="role.change", target_id=str(user.pk)).count() == 2

    def test_no_one_changes_their_own_role(self, staff_user):
        with pytest.raises(services.RoleChangeError, match="your own role"):
            services.user_set_role(actor=staff_user, user=staff_user, role=Role.STUDENT)
        staff_user.refresh_from_db()
        assert staff_user.role == Role.STAFF and not AuditLogEntry.objects.exists()

    def test_only_a_superuser_demotes_a_superuser(self, staff_user, superuser):
        with pytest.raises(services.RoleChangeError, match="superuser"):
            services.user_set_role(actor=staff_user, user=superuser, role=Role.STUDENT)

    def test_unknown_role_is_refused(self, staff_user, student):
        with pytest.raises(services.RoleChangeError):
            services.user_set_role(actor=staff_user, user=student, role="wizard")

    def test_setting_the_same_role_changes_nothing(self, staff_user, student):
        services.user_set_role(actor=staff_user, user=student, role=Role.STUDENT)
        assert not AuditLogEntry.objects.exists() and not Notification.objects.exists()

    def test_teacher_slugs_stay_unique(self, staff_user):
        first = make_user(Role.STUDENT, display_name="Ada Lovelace")
        second = make_user(Role.STUDENT, display_name="Ada Lovelace")
        services.user_set_role(actor=staff_user, user=first, role=Role.TEACHER)
        services.user_set_role(actor=staff_user, user=second, role=Role.TEACHER)
        assert sorted(TeacherProfile.objects.values_list("slug", flat=True)) == ["ada-lovelace", "ada-lovelace-2"]


class TestNotify:
    def test_stores_and_emails_html_and_text(self, student, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            notification = services.notify(
                user=student, kind="course", title="You are enrolled", body="Python 101", url="/courses/python/"
            )
        assert Notification.objects.get() == notification and not notification.is_read
        [message] = mail.outbox
        assert message.subject == "You are enrolled" and message.to == ["student@example.com"]
        assert "Python 101" in message.body and "http://testserver/courses/python/" in message.body
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html" and "Open in Lyceum" in html
        notification.refresh_from_db()
        assert notification.email_sent_at is not None and notification.email_attempts == 1

    def test_respects_the_users_email_choice(self, student, django_capture_on_commit_callbacks):
        services.notification_preferences_set(user=student, email_by_kind={"course": False})
        with django_capture_on_commit_callbacks(execute=True):
            notification = services.notify(user=student, kind="course", title="In-app only")
        assert mail.outbox == [] and not notification.email_wanted

    def test_required_kinds_always_email(self, student, django_capture_on_commit_callbacks):
        services.notification_preferences_set(user=student, email_by_kind={"billing": False})
        with django_capture_on_commit_callbacks(execute=True):
            services.notify(user=student, kind="billing", title="Your receipt")
        assert [m.subject for m in mail.outbox] == ["Your receipt"]

    def test_nothing_is_sent_for_a_rolled_back_change(self, student):
        from django.db import transaction

        with pytest.raises(RuntimeError), transaction.atomic():
            services.notify(user=student, kind="course", title="Never happened")
            raise RuntimeError
        assert mail.outbox == [] and not Notification.objects.exists()

    def test_unknown_kind_is_a_programming_error(self, student):
        with pytest.raises(ValueError, match="Unknown notification kind"):
            services.notify(user=student, kind="gossip", title="?")

    def test_mark_read_only_touches_the_owners_notification(self, student, teacher):
        mine = services.notify(user=student, kind="course", title="Mine")
        with pytest.raises(Notification.DoesNotExist):
            services.notification_mark_read(user=teacher, notification_id=mine.pk)
        assert services.notification_mark_read(user=student, notification_id=mine.pk).is_read

    def test_mark_all_read(self, student, teacher):
        for n in range(3):
            services.notify(user=student, kind="course", title=f"N{n}")
        services.notify(user=teacher, kind="course", title="Theirs")
        assert services.notifications_mark_all_read(user=student) == 3
        assert Notification.objects.filter(read_at__isnull=True).count() == 1


class TestNotificationEmailTask:
    """The worker's side: a failed send is retried by the broker; a success is never repeated."""

    def test_a_failed_send_is_recorded_and_raised_then_retried(self, student):
        services.notification_preferences_set(user=student, email_by_kind={"course": True})
        notification = services.notify(user=student, kind="course", title="Retry me")  # no on_commit run
        with (
            mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("SMTP down")),
            pytest.raises(OSError),
        ):
            tasks.notification_email_send(notification.pk, "emails/notification", {})
        notification.refresh_from_db()
        assert notification.email_sent_at is None
        assert notification.email_attempts == 1 and notification.email_last_error == "SMTP down"

        assert tasks.notification_email_send(notification.pk, "emails/notification", {}) == "sent"
        assert tasks.notification_email_send(notification.pk, "emails/notification", {}) == "already sent"
        assert [m.subject for m in mail.outbox] == ["Retry me"]


class TestAuditLog:
    def test_entries_cannot_be_edited_or_deleted(self, staff_user):
        entry = services.audit_record(actor=staff_user, action="test", message="x")
        entry.message = "rewritten"
        with pytest.raises(PermissionDenied):
            entry.save()
        with pytest.raises(PermissionDenied):
            entry.delete()
        with pytest.raises(PermissionDenied):
            AuditLogEntry.objects.update(message="rewritten")
        with pytest.raises(PermissionDenied):
            AuditLogEntry.objects.all().delete()
        assert AuditLogEntry.objects.get().message == "x"


class TestSignup:
    def test_welcome_notification_and_email(self, student, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            services.user_signed_up(user=student)
        assert Notification.objects.get(user=student).title == "Welcome to Lyceum"
        assert mail.outbox[0].subject == "Welcome to Lyceum, Sam Student"

    def test_the_welcome_email_is_in_the_recipients_language_not_the_senders(
        self, student, django_capture_on_commit_callbacks
    ):
        student.language = "ar"
        student.save(update_fields=["language"])
        with translation.override("es"), django_capture_on_commit_callbacks(execute=True):
            services.user_signed_up(user=student)
        html = mail.outbox[0].alternatives[0][0]
        assert '<html lang="ar" dir="rtl">' in html
        assert translation.get_language() == "en-gb"  # the worker's language is left as it was


def test_notify_without_email_for_callers_that_send_their_own(student, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notify(user=student, kind="live", title="Confirmed", email=False)
    assert mail.outbox == [] and not notification.email_wanted and Notification.objects.count() == 1


class TestNotifyStaff:
    def test_every_active_staff_member_and_superuser_hears_with_a_link_to_the_admin(
        self, staff_user, superuser, student, teacher
    ):
        gone = make_user(Role.STAFF, email="gone@example.com")
        gone.is_active = False
        gone.save()

        sent = services.notify_staff(kind="account", title="Look at this account", about=student)

        assert sorted(n.user.email for n in sent) == ["root@example.com", "staff@example.com"]
        url = f"/admin/lms/user/{student.pk}/change/"
        assert set(Notification.objects.values_list("user__email", "url")) == {
            ("root@example.com", url),
            ("staff@example.com", url),
        }
