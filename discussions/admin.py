"""Staff's moderation queue for discussions: posts the contact blocker held and posts readers
reported, with actions that go through discussions.services (audited there)."""

from django.contrib import admin, messages
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from discussions import services
from discussions.models import Post, PostStatus, Report, Thread
from lms.admin_site import ReadOnlyAdmin

HIDDEN_BY_STAFF = _("Hidden by staff after review.")


class NeedsReviewFilter(admin.SimpleListFilter):
    title = _("review")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("queue", _("Held or reported, not yet resolved")), ("held", _("Held")), ("reported", _("Reported"))]

    def queryset(self, request, queryset):
        open_reports = Exists(Report.objects.filter(post=OuterRef("pk"), resolved_at__isnull=True))
        if self.value() == "queue":
            return queryset.filter(Q(status=PostStatus.HELD) | Q(open_reports))
        if self.value() == "held":
            return queryset.filter(status=PostStatus.HELD)
        if self.value() == "reported":
            return queryset.filter(open_reports)
        return queryset


def _posts_of(queryset):
    return queryset if queryset.model is Post else Post.objects.filter(reports__in=queryset).distinct()


@admin.action(description=_("Approve: make the selected held posts visible"), permissions=["change"])
def approve_posts(modeladmin, request, queryset):
    done = 0
    for post in _posts_of(queryset).filter(status=PostStatus.HELD):
        services.held_post_approve(actor=request.user, post=post)
        done += 1
    modeladmin.message_user(
        request, ngettext("Approved %(n)s post.", "Approved %(n)s posts.", done) % {"n": done}, messages.SUCCESS
    )


@admin.action(description=_("Hide the posts"), permissions=["change"])
def hide_posts(modeladmin, request, queryset):
    done, refused = 0, []
    for post in _posts_of(queryset):
        try:
            services.post_hide(actor=request.user, post=post, reason=str(HIDDEN_BY_STAFF))
            done += 1
        except services.DiscussionError as exc:
            refused.append(str(exc))
    modeladmin.message_user(
        request, ngettext("Hid %(n)s post.", "Hid %(n)s posts.", done) % {"n": done}, messages.SUCCESS
    )
    for reason in sorted(set(refused)):
        modeladmin.message_user(request, reason, messages.WARNING)


@admin.action(description=_("Dismiss: keep the reported posts as they are"), permissions=["change"])
def dismiss_reports(modeladmin, request, queryset):
    reports = queryset if queryset.model is Report else Report.objects.filter(post__in=queryset)
    done = 0
    for report in reports.filter(resolved_at__isnull=True):
        services.report_dismiss(actor=request.user, report=report)
        done += 1
    modeladmin.message_user(
        request, ngettext("Dismissed %(n)s report.", "Dismissed %(n)s reports.", done) % {"n": done}, messages.SUCCESS
    )


for action in (approve_posts, hide_posts, dismiss_reports):
    action.audited = True  # the services write one entry per post or report


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "author", "thread", "short_body", "status", "flags", "open_reports")
    list_filter = (NeedsReviewFilter, "status")
    search_fields = ("body", "author__email", "thread__title")
    readonly_fields = ("thread", "author", "created_at", "body", "status", "flags", "hidden_reason", "upvote_count")
    exclude = ("html",)
    actions = [approve_posts, hide_posts, dismiss_reports]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("author", "thread")
            .annotate(n_reports=Count("reports", filter=Q(reports__resolved_at__isnull=True)))
        )

    @admin.display(description=_("text"))
    def short_body(self, obj):
        return obj.body[:80]

    @admin.display(description=_("open reports"), ordering="n_reports")
    def open_reports(self, obj):
        return obj.n_reports


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "post", "reporter", "reason", "resolved_at", "resolution")
    list_filter = (("resolved_at", admin.EmptyFieldListFilter), "resolution")
    readonly_fields = ("post", "reporter", "reason", "created_at", "resolved_at", "resolved_by", "resolution")
    actions = [hide_posts, dismiss_reports]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("post__thread", "reporter")


@admin.register(Thread)
class ThreadAdmin(ReadOnlyAdmin):
    list_display = ("title", "course", "lesson", "author", "created_at", "reply_count", "pinned", "locked", "hidden")
    list_filter = ("pinned", "locked", "hidden")
    search_fields = ("title", "author__email")
    readonly_fields = (
        "course",
        "lesson",
        "author",
        "title",
        "created_at",
        "last_post_at",
        "reply_count",
        "answer",
        "pinned",
        "locked",
        "hidden",
        "moderation_reason",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("course", "lesson", "author")
