from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tutors import services
from tutors.models import Credential, Level, Package, SpokenLanguage, Subject, Tutor


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Level)
class LevelAdmin(admin.ModelAdmin):
    list_display = ["name", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(SpokenLanguage)
class SpokenLanguageAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


class PackageInline(admin.TabularInline):
    model = Package
    extra = 0


@admin.register(Tutor)
class TutorAdmin(admin.ModelAdmin):
    list_display = ["user", "is_listed", "rate_60", "currency", "verified_at", "rating_average", "rating_count"]
    list_filter = ["is_listed", "subjects", "levels"]
    search_fields = ["user__email", "user__display_name"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["subjects", "levels", "languages"]
    readonly_fields = [
        "verified_at",
        "rating_count",
        "rating_average",
        "lessons_taught",
        "response_rate",
        "response_minutes",
        "reliability",
    ]
    inlines = [PackageInline]
    actions = ["grant_verification", "revoke_verification"]

    @admin.action(description=_("Grant the Verified badge"), permissions=["change"])
    def grant_verification(self, request, queryset):
        for tutor in queryset:
            services.verification_grant(actor=request.user, tutor=tutor)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(n)s teacher is verified.", "%(n)s teachers are verified.", count) % {"n": count},
            messages.SUCCESS,
        )

    grant_verification.audited = True  # the service writes the audit entry

    @admin.action(description=_("Revoke the Verified badge"), permissions=["change"])
    def revoke_verification(self, request, queryset):
        for tutor in queryset:
            services.verification_revoke(actor=request.user, tutor=tutor)
        count = queryset.count()
        self.message_user(
            request,
            ngettext(
                "The Verified badge is removed from %(n)s teacher.",
                "The Verified badge is removed from %(n)s teachers.",
                count,
            )
            % {"n": count},
            messages.SUCCESS,
        )

    revoke_verification.audited = True


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    """Staff review teachers' documents here; the file opens through the checked view."""

    list_display = ["tutor", "kind", "original_name", "status", "created_at", "reviewed_by", "reviewed_at"]
    list_filter = ["status", "kind"]
    search_fields = ["tutor__user__email", "tutor__user__display_name", "original_name"]
    readonly_fields = [
        "tutor",
        "kind",
        "file_link",
        "original_name",
        "content_type",
        "size",
        "status",
        "reviewed_by",
        "reviewed_at",
        "created_at",
    ]
    fields = [*readonly_fields, "note"]
    actions = ["approve", "reject"]

    def has_add_permission(self, request):
        return False  # teachers upload their own documents

    @admin.display(description=_("file"))
    def file_link(self, obj):
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj.original_name)

    def _review(self, request, queryset, *, approve: bool):
        for credential in queryset:
            services.credential_review(actor=request.user, credential=credential, approve=approve, note=credential.note)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(n)s document reviewed.", "%(n)s documents reviewed.", count) % {"n": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Approve the selected documents"), permissions=["change"])
    def approve(self, request, queryset):
        self._review(request, queryset, approve=True)

    approve.audited = True

    @admin.action(
        description=_("Reject the selected documents (write the reason in the note first)"), permissions=["change"]
    )
    def reject(self, request, queryset):
        self._review(request, queryset, approve=False)

    reject.audited = True
