"""What the course review workflow tells people (called by CourseReviewTask in courses/models.py)."""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from lms.models import User
from lms.services import notify


def moderation_submitted(*, task, page: Page, submitter: User | None) -> None:
    """Tell the reviewers (staff) that a course page waits for them."""
    reviewers = User.objects.filter(is_active=True, groups__in=task.groups.all()).distinct()
    for reviewer in reviewers:
        if submitter is not None and reviewer.pk == submitter.pk:
            continue
        notify(
            user=reviewer,
            kind="moderation",
            title=(
                format_lazy(_("{name} submitted “{title}” for review"), name=submitter.name, title=page.title)
                if submitter
                else format_lazy(_("A teacher submitted “{title}” for review"), title=page.title)
            ),
            body=_("Approve it to publish, or request changes with a comment."),
            url=f"/cms/pages/{page.pk}/edit/",
        )


def moderation_decided(
    *, page: Page, requested_by: User | None, reviewer: User, approved: bool, comment: str = ""
) -> None:
    """Tell the teacher who submitted the page what the reviewer decided."""
    if requested_by is None:
        return
    if approved:
        title = format_lazy(_("“{title}” was approved"), title=page.title)
        body = _("It is published now.")
    else:
        title = format_lazy(_("Changes requested on “{title}”"), title=page.title)
        body = _("Edit the page and submit it again.")
    if comment:
        body = format_lazy("{body}\n\n{name}: {comment}", body=body, name=reviewer.name, comment=comment)
    notify(user=requested_by, kind="moderation", title=title, body=body, url=f"/cms/pages/{page.pk}/edit/")
