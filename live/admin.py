from django.contrib import admin, messages
from solo.admin import SingletonModelAdmin

from live import services
from live.models import (
    Availability,
    DateException,
    Dispute,
    JoinClick,
    LiveClass,
    MeetingSettings,
    Participant,
    WeeklyHours,
)


@admin.register(MeetingSettings)
class MeetingSettingsAdmin(SingletonModelAdmin):
    """One row: the provider new classes use, and the Jitsi domain."""


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    fields = ["student", "status", "attendance", "note", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LiveClass)
class LiveClassAdmin(admin.ModelAdmin):
    """Read-only: classes change only through the site's flows (they notify people)."""

    list_display = ["__str__", "kind", "teacher", "status", "start", "end", "meeting_provider"]
    list_filter = ["status", "kind", "meeting_provider"]
    search_fields = ["teacher__email", "participants__student__email", "title"]
    date_hierarchy = "start"
    inlines = [ParticipantInline]
    actions = ["cancel_classes"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    @admin.action(description="Cancel the selected classes (notifies everyone)")
    def cancel_classes(self, request, queryset):
        for live_class in queryset:
            try:
                services.class_cancel(actor=request.user, live_class_id=live_class.pk, reason="Cancelled by staff.")
            except services.BookingError as exc:
                self.message_user(request, f"{live_class}: {exc}", messages.WARNING)


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    """The queue of scheduling conflicts raised by teachers and students."""

    list_display = ["__str__", "status", "created_at", "resolved_at"]
    list_filter = ["status"]
    readonly_fields = ["live_class", "raised_by", "reason", "created_at", "resolved_at", "status"]
    fields = ["live_class", "raised_by", "reason", "created_at", "status", "resolution", "resolved_at"]
    actions = ["resolve", "dismiss"]

    def has_add_permission(self, request):
        return False

    def _close(self, request, queryset, status):
        for dispute in queryset:
            try:
                services.dispute_close(
                    actor=request.user,
                    dispute_id=dispute.pk,
                    status=status,
                    resolution=dispute.resolution or f"{status.capitalize()} by staff.",
                )
            except services.BookingError as exc:
                self.message_user(request, f"{dispute}: {exc}", messages.WARNING)

    @admin.action(description="Mark resolved (tells whoever raised it)")
    def resolve(self, request, queryset):
        self._close(request, queryset, Dispute.Status.RESOLVED)

    @admin.action(description="Dismiss (tells whoever raised it)")
    def dismiss(self, request, queryset):
        self._close(request, queryset, Dispute.Status.DISMISSED)


@admin.register(Availability)
class AvailabilityAdmin(admin.ModelAdmin):
    list_display = ["teacher", "accepting", "class_minutes", "buffer_minutes", "min_notice_hours", "max_days_ahead"]
    search_fields = ["teacher__email"]


admin.site.register(WeeklyHours, list_display=["teacher", "weekday", "start_time", "end_time"])
admin.site.register(DateException, list_display=["teacher", "date", "start_time", "end_time"])
admin.site.register(JoinClick, list_display=["live_class", "user", "clicked_at"])
