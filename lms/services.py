"""Writes of the core: roles, profiles, notifications and the audit log.

Views, admin actions, adapters and tasks all come through these functions.
"""

import logging
from collections.abc import Iterable

from allauth.account.models import EmailAddress
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_q.tasks import async_task

from lms.consumers import user_group
from lms.i18n import recipient_language
from lms.infra.validators import validate_time_zone
from lms.models import AuditLogEntry, Notification, NotificationPreference, Role, TeacherProfile, User
from lms.notifications import KINDS
from lms.selectors import unread_notification_count
from push import selectors as push_selectors
from push import services as push_services

logger = logging.getLogger(__name__)


class RoleChangeError(Exception):
    """A role change that is not allowed; the message says why, for the staff member."""


# --- Audit log -------------------------------------------------------------------------


def _jsonable(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, Iterable) and not isinstance(value, bytes | dict):
        return [_jsonable(v) for v in value]
    return str(value)


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    changes: dict | None = None,
    message: str = "",
    ip_address: str | None = None,
) -> AuditLogEntry:
    """Append one entry to the audit log. `changes` maps a field to (before, after)."""
    return AuditLogEntry.objects.create(
        actor=actor if actor and actor.pk else None,
        actor_email=getattr(actor, "email", "") or "",
        action=action,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None and target.pk is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        changes={field: [_jsonable(before), _jsonable(after)] for field, (before, after) in (changes or {}).items()},
        message=message,
        ip_address=ip_address,
    )


# --- Roles -----------------------------------------------------------------------------


def teacher_profile_ensure(*, user: User) -> TeacherProfile:
    """Give a teacher a public profile with a unique slug, if they have none yet."""
    try:
        return user.teacher_profile
    except TeacherProfile.DoesNotExist:
        pass
    base = slugify(user.name)[:70] or f"teacher-{user.pk}"
    slug, n = base, 1
    while TeacherProfile.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return TeacherProfile.objects.create(user=user, slug=slug)


def role_groups_sync(*, user: User) -> None:
    # The role is the source of truth; groups carry the Django/Wagtail permissions.
    role_groups = list(Group.objects.filter(name__in=[r.group_name for r in Role]))
    user.groups.remove(*role_groups)
    user.groups.add(*[g for g in role_groups if g.name == Role(user.role).group_name])


# Lazy: notify() writes them in the recipient's language.
ROLE_CHANGE_TITLES = {
    Role.STUDENT: gettext_lazy("You are now a student on Lyceum"),
    Role.TEACHER: gettext_lazy("You are now a teacher on Lyceum"),
    Role.STAFF: gettext_lazy("You are now staff on Lyceum"),
}
ROLE_CHANGE_BODIES = {
    Role.STUDENT: gettext_lazy("You can browse, buy and learn courses and book live classes."),
    Role.TEACHER: gettext_lazy("You can now write courses in the teaching studio and publish your availability."),
    Role.STAFF: gettext_lazy("You now have access to the staff portal."),
}


@transaction.atomic
def user_set_role(*, actor: User, user: User, role: str, ip_address: str | None = None) -> User:
    """Promote or demote a user (student ↔ teacher ↔ staff), audited and announced."""
    if role not in Role.values:
        raise RoleChangeError(_("“%(role)s” is not a role.") % {"role": role})
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.role == role:
        return user
    if user.pk == actor.pk:
        raise RoleChangeError(_("You cannot change your own role; ask another staff member."))
    if user.is_superuser and not actor.is_superuser:
        raise RoleChangeError(
            _("%(email)s is a superuser; only a superuser can change their role.") % {"email": user.email}
        )

    before = {"role": user.role, "is_staff": user.is_staff}
    user.role = role
    user.is_staff = role == Role.STAFF or user.is_superuser
    user.save(update_fields=["role", "is_staff"])
    role_groups_sync(user=user)
    if role == Role.TEACHER:
        teacher_profile_ensure(user=user)

    audit_record(
        actor=actor,
        action="role.change",
        target=user,
        changes={"role": (before["role"], role), "is_staff": (before["is_staff"], user.is_staff)},
        message=f"{Role(before['role']).group_name} → {Role(role).group_name}",  # the log stays in English
        ip_address=ip_address,
    )
    notify(
        user=user,
        kind="role",
        title=ROLE_CHANGE_TITLES[Role(role)],
        body=ROLE_CHANGE_BODIES[Role(role)],
        url="/dashboard/",
    )
    return user


# --- Accounts made and ended by staff (the API's user provisioning) ---------------------


class ProvisioningError(Exception):
    """Staff may not do this to an account; the message says why."""


@transaction.atomic
def user_provision(*, actor: User, email: str, name: str, role: str, language: str = "", time_zone: str = "") -> User:
    """Make an account for someone, as a school's other system does (staff only): their
    address is taken as verified (staff vouch for it), there is no password until they choose
    one ("Forgot password?" with that address), and they are told by email. Students and
    teachers only: staff are made in the staff portal, by a person."""
    if not actor.is_platform_staff:
        raise ProvisioningError(_("Only staff can make accounts for other people."))
    if role not in (Role.STUDENT, Role.TEACHER):
        raise ValidationError({"role": _("Make students or teachers here; staff are made in the staff portal.")})
    email = User.objects.normalize_email(email).strip()
    if User.objects.filter(email__iexact=email).exists() or EmailAddress.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("There is already an account with this address.")})
    user = User(email=email, display_name=name, role=role, language=language)
    if time_zone:
        user.time_zone = time_zone
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    role_groups_sync(user=user)
    if role == Role.TEACHER:
        teacher_profile_ensure(user=user)
    audit_record(actor=actor, action="user.provision", target=user, changes={"role": ("", role)})
    notify(
        user=user,
        kind="account",
        title=gettext_lazy("Your Lyceum account is ready"),
        body=gettext_lazy("Choose your password with “Forgot password?” on the sign-in page, using this address."),
        url=reverse("account_reset_password"),
    )
    return user


@transaction.atomic
def user_deactivate(*, actor: User, user: User) -> User:
    """End someone's access at once (staff only): their sessions, their apps' tokens and their
    personal access tokens stop working on the next request; nothing of theirs is deleted."""
    if not actor.is_platform_staff:
        raise ProvisioningError(_("Only staff can deactivate accounts."))
    if user.pk == actor.pk:
        raise ProvisioningError(_("You cannot deactivate your own account."))
    if user.is_superuser and not actor.is_superuser:
        raise ProvisioningError(_("Only a superuser can deactivate a superuser."))
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
        push_services.subscriptions_delete_all(user=user)  # their devices stop showing notifications
        audit_record(actor=actor, action="user.deactivate", target=user, changes={"is_active": (True, False)})
    return user


# --- Profiles --------------------------------------------------------------------------


@transaction.atomic
def user_signed_up(*, user: User) -> None:
    """Everything a new account gets: the student role's groups and a welcome."""
    role_groups_sync(user=user)
    notify(
        user=user,
        kind="account",
        title=gettext_lazy("Welcome to Lyceum"),
        body=gettext_lazy(
            "Your account is ready. Browse the catalogue, enrol in a course, or book a live class with a teacher."
        ),
        url="/courses/",
        email_template="emails/welcome",
    )


# --- Notifications ---------------------------------------------------------------------


def email_wanted(*, user: User, kind: str) -> bool:
    spec = KINDS[kind]
    if spec.email_required:
        return True
    chosen = NotificationPreference.objects.filter(user=user, kind=kind).values_list("email", flat=True).first()
    return spec.email_by_default if chosen is None else chosen


def push_wanted(*, user: User, kind: str) -> bool:
    chosen = NotificationPreference.objects.filter(user=user, kind=kind).values_list("push", flat=True).first()
    return chosen is not False


def notify(
    *,
    user: User,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    email_template: str = "emails/notification",
    email_context: dict | None = None,
    email: bool = True,
    email_attachment: tuple[str, list] | None = None,
) -> Notification:
    """Tell a user something, in their language: the one entry point every app uses.

    Stores the in-app notification now; after the transaction commits, the bell is
    pushed to the user's open pages and, if they want email (or web push) for this kind,
    the worker renders and sends it (a slow mail server never blocks the request). `email=False`
    is for a caller that sends its own, richer email (e.g. a calendar invitation).
    `email_attachment=("dotted.path", [args])` names a function the worker calls to build
    a file for the email, `(filename, content, mimetype)` (e.g. a certificate's PDF).
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown notification kind {kind!r}; declare it in lms/notifications.py.")
    # Written in the recipient's language, whoever caused it: pass lazy strings
    # (gettext_lazy, format_lazy), which are translated here.
    with recipient_language(user):
        title, body = str(title), str(body)
    notification = Notification.objects.create(
        user=user, kind=kind, title=title, body=body, url=url, email_wanted=email and email_wanted(user=user, kind=kind)
    )
    if notification.email_wanted:
        transaction.on_commit(
            lambda: async_task(
                "lms.tasks.notification_email_send",
                notification.pk,
                email_template,
                email_context or {},
                email_attachment,
                task_name=f"notification-email-{notification.pk}",
            )
        )
    transaction.on_commit(lambda: _web_push_if_wanted(notification))
    transaction.on_commit(lambda: _push_unread_count(user.pk))
    return notification


def _web_push_if_wanted(notification: Notification) -> None:
    # Most people have no device with push on: that is asked first.
    user = notification.user
    if push_selectors.devices_of(user=user).exists() and push_wanted(user=user, kind=notification.kind):
        push_services.notification_push_queue(notification=notification)


def notify_staff(*, kind: str, title: str, body: str = "", about: models.Model) -> list[Notification]:
    """Tell every active staff member (and superuser) about `about`, linking to its page
    in the staff portal; no email of their own kind is forced (their preferences apply)."""
    opts = about._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[about.pk])
    staff = User.objects.filter(models.Q(role=Role.STAFF) | models.Q(is_superuser=True), is_active=True)
    return [notify(user=member, kind=kind, title=title, body=body, url=url) for member in staff]


def _push_unread_count(user_id: int) -> None:
    # Best effort: the page also shows the count on its next load.
    try:
        async_to_sync(get_channel_layer().group_send)(
            user_group(user_id),
            {"type": "notifications.unread", "count": unread_notification_count(user_id=user_id)},
        )
    except Exception:
        logger.warning("Could not push the unread count to user %s", user_id, exc_info=True)


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    notification = Notification.objects.get(pk=notification_id, user=user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        transaction.on_commit(lambda: _push_unread_count(user.pk))
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    count = Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
    if count:
        transaction.on_commit(lambda: _push_unread_count(user.pk))
    return count


@transaction.atomic
def notification_preferences_set(
    *, user: User, email_by_kind: dict[str, bool], push_by_kind: dict[str, bool] | None = None
) -> None:
    """Save what a user also wants by email and by push, per kind (kinds not named keep theirs)."""
    push_by_kind = push_by_kind or {}
    for kind in KINDS.keys() & (email_by_kind.keys() | push_by_kind.keys()):
        choices = {}
        if kind in email_by_kind and not KINDS[kind].email_required:
            choices["email"] = email_by_kind[kind]
        if kind in push_by_kind:
            choices["push"] = push_by_kind[kind]
        if not choices:
            continue
        preference, created = NotificationPreference.objects.get_or_create(
            user=user, kind=kind, defaults={"email": email_wanted(user=user, kind=kind), **choices}
        )
        if not created:
            for field, value in choices.items():
                setattr(preference, field, value)
            preference.save(update_fields=list(choices))


def email_render(*, template: str, context: dict) -> tuple[str, str, str]:
    """(subject, text, html) from `<template>_subject.txt`, `.txt` and `.html`."""
    subject = render_to_string(f"{template}_subject.txt", context).strip()
    text = render_to_string(f"{template}.txt", context)
    html = render_to_string(f"{template}.html", context)
    return " ".join(subject.split()), text, html


@transaction.atomic
def user_time_zone_set(*, user: User, time_zone: str) -> User:
    """Show the user every time in `time_zone` from their next page on."""
    validate_time_zone(time_zone)
    user.time_zone = time_zone
    user.save(update_fields=["time_zone"])
    return user


def user_language_set(*, user: User, language: str) -> User:
    """Show `user` the site, and send them emails and notifications, in `language`."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("That is not a language the site is available in.")})
    user.language = language
    user.save(update_fields=["language"])
    return user


def language_remember(sender=None, request=None, user=None, **kwargs) -> None:
    """On signing in, keep the language the page was in as the profile's, if it has none
    (a user_logged_in receiver)."""
    language = getattr(request, "LANGUAGE_CODE", "")
    if user is not None and not user.language and language in dict(settings.LANGUAGES):
        user_language_set(user=user, language=language)


@transaction.atomic
def profile_update(*, user: User, profile_data: dict, teacher_data: dict | None = None) -> User:
    """Save a user's own profile (and, for a teacher, their public page)."""
    for field in ("display_name", "time_zone", "language"):
        setattr(user, field, profile_data[field])
    photo = profile_data.get("photo")
    if photo is False:  # "clear" ticked
        user.photo.delete(save=False)
        user.photo = ""
    elif photo:
        user.photo = photo
    user.full_clean(exclude=["password"])
    user.save()
    if teacher_data is not None:
        profile = teacher_profile_ensure(user=user)
        for field in ("headline", "bio", "subjects", "is_listed"):
            setattr(profile, field, teacher_data[field])
        profile.save()
    return user
