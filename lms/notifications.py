"""The kinds of notification, each with a label and whether it also emails by default
(push, to the devices a person turned it on for, is on for every kind unless they say no).

Every app adds its kinds here, so users see one list on their notification settings
page and `notify` can refuse a kind nobody declared.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NotificationKind:
    key: str
    label: str | Promise
    description: str | Promise
    email_by_default: bool = True
    # Security and transactional mail (e.g. a receipt) cannot be switched off.
    email_required: bool = False


KINDS: dict[str, NotificationKind] = {
    kind.key: kind
    for kind in [
        NotificationKind("account", _("Account"), _("Welcome and changes to your account."), email_required=True),
        NotificationKind("role", _("Role changes"), _("When staff change what you can do on Lyceum.")),
        NotificationKind("course", _("Courses"), _("Enrolments, completions and certificates.")),
        NotificationKind("moderation", _("Course review"), _("Course submissions, approvals and rejections.")),
        NotificationKind("live", _("Live classes"), _("Booking requests, approvals and changes.")),
        NotificationKind("reminder", _("Class reminders"), _("Reminders 24 hours and 1 hour before a class.")),
        NotificationKind("billing", _("Payments"), _("Receipts, refunds and disputes."), email_required=True),
        NotificationKind("chat", _("Messages"), _("New messages while you are away."), email_by_default=False),
        NotificationKind(
            "board", _("Tutoring board"), _("Requests that match you, applications to your posts and their answers.")
        ),
        NotificationKind("announcement", _("Announcements"), _("Announcements from your teachers.")),
        NotificationKind("review", _("Reviews"), _("New reviews of your teaching, and replies to your reviews.")),
        NotificationKind(
            "integrations", _("Integrations"), _("Staff: webhook endpoints that stopped accepting deliveries.")
        ),
        NotificationKind(
            "discussion",
            _("Discussions"),
            _("Replies in threads you follow, answers to your questions, mentions, and new questions in your courses."),
        ),
    ]
}
