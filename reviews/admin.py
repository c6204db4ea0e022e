"""The moderation queue: reported reviews (open ones first, filterable), where staff hide a
review with a reason or dismiss the report, each through reviews.services (audited there)."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from lms.admin_site import ReadOnlyAdmin
from reviews import services
from reviews.models import CourseRating, Report, Review


class HideForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for hiding"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Kept in the audit log and on the review."),
    )


def _hide(modeladmin, request, reviews):
    """Ask for the reason (an intermediate page), then hide each review through the service."""
    form = HideForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        done = 0
        for review in reviews:
            if not review.is_hidden:
                services.review_hide(actor=request.user, review_id=review.pk, reason=form.cleaned_data["reason"])
                done += 1
        modeladmin.message_user(
            request, ngettext("Hid %(n)s review.", "Hid %(n)s reviews.", done) % {"n": done}, messages.SUCCESS
        )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Hide reviews"),
        "reviews": reviews,
        "form": form,
        "queryset": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        "action": request.POST.get("action"),
        "opts": modeladmin.model._meta,
    }
    return TemplateResponse(request, "reviews/admin/hide.html", context)


@admin.action(description=_("Hide the selected reviews (asks for a reason)"), permissions=["change"])
def hide_reviews(modeladmin, request, queryset):
    return _hide(modeladmin, request, list(queryset))


hide_reviews.audited = True  # review_hide writes one audit entry per review


@admin.action(description=_("Show the selected reviews again"), permissions=["change"])
def unhide_reviews(modeladmin, request, queryset):
    for review in queryset.filter(hidden_at__isnull=False):
        services.review_unhide(actor=request.user, review_id=review.pk)
    modeladmin.message_user(request, _("Done."), messages.SUCCESS)


unhide_reviews.audited = True


@admin.action(description=_("Hide the reported reviews (asks for a reason)"), permissions=["change"])
def hide_reported(modeladmin, request, queryset):
    reviews = list(Review.objects.filter(reports__in=queryset).distinct())
    return _hide(modeladmin, request, reviews)


hide_reported.audited = True


@admin.action(description=_("Dismiss the reports (keep the reviews)"), permissions=["change"])
def dismiss_reports(modeladmin, request, queryset):
    done = 0
    for report in queryset.filter(status=Report.Status.OPEN):
        services.report_dismiss(actor=request.user, report_id=report.pk)
        done += 1
    modeladmin.message_user(
        request, ngettext("Dismissed %(n)s report.", "Dismissed %(n)s reports.", done) % {"n": done}, messages.SUCCESS
    )


dismiss_reports.audited = True


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "review", "review_text", "reporter", "reason", "status", "closed_at")
    list_filter = ("status",)
    list_select_related = ("review__student", "review__teacher", "reporter")
    readonly_fields = ("review", "reporter", "reason", "status", "created_at", "closed_at", "closed_by", "resolution")
    actions = [hide_reported, dismiss_reports]

    @admin.display(description=_("review"))
    def review_text(self, obj):
        return obj.review.text[:120]


class HiddenFilter(admin.SimpleListFilter):
    title = _("visibility")
    parameter_name = "visibility"

    def lookups(self, request, model_admin):
        return [("visible", _("Visible")), ("hidden", _("Hidden")), ("reported", _("With open reports"))]

    def queryset(self, request, queryset):
        if self.value() == "visible":
            return queryset.filter(hidden_at__isnull=True)
        if self.value() == "hidden":
            return queryset.filter(hidden_at__isnull=False)
        if self.value() == "reported":
            return queryset.filter(reports__status=Report.Status.OPEN).distinct()
        return queryset


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "student", "teacher", "course", "stars", "short_text", "open_reports", "hidden_at")
    list_filter = (HiddenFilter, "stars")
    search_fields = ("text", "student__email", "teacher__email")
    list_select_related = ("student", "teacher", "course")
    readonly_fields = (
        "student",
        "teacher",
        "course",
        "stars",
        "text",
        "created_at",
        "edited_at",
        "reply",
        "replied_by",
        "replied_at",
        "hidden_at",
        "hidden_by",
        "hidden_reason",
    )
    actions = [hide_reviews, unhide_reviews]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(n_reports=Count("reports", filter=Q(reports__status=Report.Status.OPEN)))
        )

    @admin.display(description=_("review"))
    def short_text(self, obj):
        return obj.text[:80]

    @admin.display(description=_("open reports"), ordering="n_reports")
    def open_reports(self, obj):
        return obj.n_reports


@admin.register(CourseRating)
class CourseRatingAdmin(ReadOnlyAdmin):
    list_display = ("course", "average", "count")
