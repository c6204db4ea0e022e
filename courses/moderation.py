"""What the course review workflow tells people (called by CourseReviewTask in courses/models.py)."""

from wagtail.models import Page

from lms.models import User
from lms.services import notify


def moderation_submitted(*, task, page: Page, submitter: User | None) -> None:
    """Tell the reviewers (staff) that a course page waits for them."""
    reviewers = User.objects.filter(is_active=True, groups__in=task.groups.all()).distinct()
    who = submitter.name if submitter else "A teacher"
    for reviewer in reviewers:
        if submitter is not None and reviewer.pk == submitter.pk:
            continue
        notify(
            user=reviewer,
            kind="moderation",
            title=f"{who} submitted “{page.title}” for review",
            body="Approve it to publish, or request changes with a comment.",
            url=f"/cms/pages/{page.pk}/edit/",
        )


def moderation_decided(
    *, page: Page, requested_by: User | None, reviewer: User, approved: bool, comment: str = ""
) -> None:
    """Tell the teacher who submitted the page what the reviewer decided."""
    if requested_by is None:
        return
    if approved:
        title, body = f"“{page.title}” was approved", "It is published now."
    else:
        title, body = f"Changes requested on “{page.title}”", "Edit the page and submit it again."
    if comment:
        body = f"{body}\n\n{reviewer.name}: {comment}"
    notify(user=requested_by, kind="moderation", title=title, body=body, url=f"/cms/pages/{page.pk}/edit/")
