"""Staff's side of the API: webhook endpoints and their deliveries (api/webhooks.py), and
everyone's personal access tokens (to revoke a leaked one)."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from api import services, webhooks
from api.models import PersonalAccessToken, WebhookDelivery, WebhookEndpoint
from lms.admin_site import AuditedAdminMixin
from lms.infra.events import EVENTS


class WebhookEndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=lambda: [(name, f"{name} — {description}") for name, description in EVENTS.items()],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "events", "is_active"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "description", "is_active", "failures_in_a_row", "created_at"]
    list_filter = ["is_active"]
    readonly_fields = ["secret", "failures_in_a_row", "disabled_reason", "created_at"]

    def save_model(self, request, obj, form, change):
        if obj.is_active:
            obj.failures_in_a_row, obj.disabled_reason = 0, ""  # switched (back) on: a fresh start
        super().save_model(request, obj, form, change)


@admin.action(description=_("Send the selected deliveries again"), permissions=["change"])
def replay(modeladmin, request, queryset):
    for delivery in queryset:
        webhooks.delivery_replay(actor=request.user, delivery=delivery)
    modeladmin.message_user(request, _("Sent again."), messages.SUCCESS)


replay.audited = True  # delivery_replay writes one audit entry per delivery


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "endpoint", "status", "attempts", "last_status_code", "created_at", "delivered_at"]
    list_filter = ["status", "event"]
    search_fields = ["event_id", "endpoint__url"]
    actions = [replay]
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
def revoke(modeladmin, request, queryset):
    for token in queryset:
        services.personal_token_revoke(actor=request.user, token=token)
    modeladmin.message_user(request, _("Revoked."), messages.SUCCESS)


revoke.audited = True


@admin.register(PersonalAccessToken)
class PersonalAccessTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "scope", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = ["scope"]
    search_fields = ["name", "user__email", "prefix"]
    actions = [revoke]
    readonly_fields = [field.name for field in PersonalAccessToken._meta.fields]

    def has_add_permission(self, request):
        return False
