"""The kinds of notification, each with a label and whether it also emails by default.

Every app adds its kinds here, so users see one list on their notification settings
page and `notify` can refuse a kind nobody declared.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class NotificationKind:
    key: str
    label: str
    description: str
    email_by_default: bool = True
    # Security and transactional mail (e.g. a receipt) cannot be switched off.
    email_required: bool = False


KINDS: dict[str, NotificationKind] = {
    kind.key: kind
    for kind in [
        NotificationKind("account", "Account", "Welcome and changes to your account.", email_required=True),
        NotificationKind("role", "Role changes", "When staff change what you can do on Lyceum."),
        NotificationKind("course", "Courses", "Enrolments, completions and certificates."),
        NotificationKind("moderation", "Course review", "Course submissions, approvals and rejections."),
        NotificationKind("live", "Live classes", "Booking requests, approvals and changes."),
        NotificationKind("reminder", "Class reminders", "Reminders 24 hours and 1 hour before a class."),
        NotificationKind("billing", "Payments", "Receipts, refunds and disputes.", email_required=True),
        NotificationKind("chat", "Messages", "New messages while you are away.", email_by_default=False),
        NotificationKind("announcement", "Announcements", "Announcements from your teachers."),
    ]
}
