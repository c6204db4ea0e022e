from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from solo.admin import SingletonModelAdmin

from billing import lessons
from billing.exceptions import BillingError
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

# The resolution staff leave when they close a dispute without writing one.
CLOSED_BY_STAFF = {
    Dispute.Status.RESOLVED: _("Resolved by staff."),
    Dispute.Status.DISMISSED: _("Dismissed by staff."),
}


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
    actions = ["cancel_classes", "record_teacher_no_show"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Record that the teacher did not come (full refund; counts against them)"))
    def record_teacher_no_show(self, request, queryset):
        for live_class in queryset:
            try:
                lessons.teacher_no_show(actor=request.user, live_class_id=live_class.pk)
            except BillingError as exc:
                self.message_user(
                    request,
                    gettext("%(item)s: %(error)s") % {"item": live_class, "error": exc},
                    messages.WARNING,
                )
            else:
                self.message_user(
                    request, gettext("%(item)s: the teacher's no-show is recorded.") % {"item": live_class}
                )

    @admin.action(description=_("Cancel the selected classes (notifies everyone)"))
    def cancel_classes(self, request, queryset):
        for live_class in queryset:
            try:
                services.class_cancel(
                    actor=request.user,
                    live_class_id=live_class.pk,
                    reason_code=LiveClass.SystemReason.CANCELLED_BY_STAFF,
                )
            except services.BookingError as exc:
                self.message_user(
                    request,
                    gettext("%(item)s: %(error)s") % {"item": live_class, "error": exc},
                    messages.WARNING,
                )


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
                    resolution=dispute.resolution or CLOSED_BY_STAFF[status],
                )
            except services.BookingError as exc:
                self.message_user(
                    request,
                    gettext("%(item)s: %(error)s") % {"item": dispute, "error": exc},
                    messages.WARNING,
                )

    @admin.action(description=_("Mark resolved (tells whoever raised it)"))
    def resolve(self, request, queryset):
        self._close(request, queryset, Dispute.Status.RESOLVED)

    @admin.action(description=_("Dismiss (tells whoever raised it)"))
    def dismiss(self, request, queryset):
        self._close(request, queryset, Dispute.Status.DISMISSED)


@admin.register(Availability)
class AvailabilityAdmin(admin.ModelAdmin):
    list_display = ["teacher", "accepting", "class_minutes", "buffer_minutes", "min_notice_hours", "max_days_ahead"]
    search_fields = ["teacher__email"]


admin.site.register(WeeklyHours, list_display=["teacher", "weekday", "start_time", "end_time"])
admin.site.register(DateException, list_display=["teacher", "date", "start_time", "end_time"])
admin.site.register(JoinClick, list_display=["live_class", "user", "clicked_at"])
