from django.contrib import admin

from push.models import PushSubscription


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin):
    """Read only: people manage their own devices; staff can see them and remove one."""

    list_display = ["user", "device", "created_at", "last_sent_at", "failures"]
    list_select_related = ["user"]
    search_fields = ["user__email", "device"]
    readonly_fields = ["user", "endpoint", "p256dh", "auth", "device", "created_at", "last_sent_at", "failures"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
