"""Fill a fresh site with demo users and content, through the same services users trigger.

Idempotent: running it twice changes nothing the second time.
"""

import contextlib
import importlib
import importlib.util
import logging

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction

from lms.models import Role, User
from lms.services import role_groups_sync, teacher_profile_ensure, user_set_role

DEMO_PASSWORD = "lyceum-demo-2026"
DEMO_USERS = [
    # email, display name, role, time zone
    ("student@lyceum.test", "Sam Student", Role.STUDENT, "Europe/London"),
    ("teacher@lyceum.test", "Ada Lovelace", Role.TEACHER, "Europe/London"),
    ("staff@lyceum.test", "Stella Staff", Role.STAFF, "UTC"),
]
ADMIN_EMAIL = "admin@lyceum.test"
# Apps add their own demo content in `<app>/demo.py`: `load(*, stdout) -> None`.
DEMO_APPS = ["courses", "coursework", "discussions", "live", "tutors", "billing", "chat", "board", "reviews"]
# Wagtail's action log tells "Page created", "Page edited" and "Published" at INFO for each
# of the hundred-odd pages the loader makes: quiet while it runs; the summary says what it made.
CHATTY_LOGGERS = ["wagtail"]


def demo_accounts() -> list[tuple[str, str]]:
    """(role, email) of every demo account, the superuser last."""
    return [(str(role), email) for email, _, role, _ in DEMO_USERS] + [("superuser", ADMIN_EMAIL)]


@contextlib.contextmanager
def quiet(*names: str):
    """Those loggers tell only warnings and errors inside the block."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def demo_user(email: str, name: str, time_zone: str = "UTC") -> tuple[User, bool]:
    user, created = User.objects.get_or_create(email=email, defaults={"display_name": name, "time_zone": time_zone})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
        role_groups_sync(user=user)
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user, created


class Command(BaseCommand):
    help = "Load demo users and content (safe to run again)."

    def handle(self, *args, **options):
        with quiet(*CHATTY_LOGGERS):
            self.load()
        self.stdout.write(self.style.SUCCESS("\nDemo data is ready. Log in at http://127.0.0.1:8000/accounts/login/"))
        for role, email in demo_accounts():
            self.stdout.write(f"  {role:<10} {email:<24} password: {DEMO_PASSWORD}")

    @transaction.atomic
    def load(self):
        admin, _ = demo_user(ADMIN_EMAIL, "Platform Admin")
        if not admin.is_superuser:
            admin.is_superuser = admin.is_staff = True
            admin.role = Role.STAFF
            admin.save()
            role_groups_sync(user=admin)

        for email, name, role, time_zone in DEMO_USERS:
            user, _ = demo_user(email, name, time_zone)
            if user.role != role:
                user_set_role(actor=admin, user=user, role=role)
            if role == Role.TEACHER:
                profile = teacher_profile_ensure(user=user)
                if not profile.bio:
                    profile.headline = "Mathematics and computing, from first principles"
                    profile.bio = (
                        "I have taught mathematics and programming for fifteen years. My classes are small, "
                        "practical and friendly: we work through real problems together."
                    )
                    profile.subjects = ["Mathematics", "Programming", "Algorithms"]
                    profile.save()

        for app in DEMO_APPS:
            if importlib.util.find_spec(f"{app}.demo"):
                importlib.import_module(f"{app}.demo").load(stdout=self.stdout)
