"""The staff side of the chat: read conversations (every view is audited), work the
queue of held and reported messages, hide messages, suspend users from chat, and set
how contact details are moderated."""

from django.contrib import admin, messages
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy
from solo.admin import SingletonModelAdmin

from chat import services
from chat.models import Announcement, ChatSettings, Conversation, Message, MessageStatus, Report
from lms.admin_site import ReadOnlyAdmin, client_ip
from lms.infra.validators import parse_id
from lms.services import audit_record

# What a moderation action tells the staff member afterwards ("n": how many messages).
MODERATED = {
    "approve": ngettext_lazy("Made %(n)s message visible.", "Made %(n)s messages visible.", "n"),
    "hide": ngettext_lazy("Hid %(n)s message.", "Hid %(n)s messages.", "n"),
}


def _moderate_action(action: str, label):
    def run(modeladmin, request, queryset):
        messages_qs = queryset if queryset.model is Message else Message.objects.filter(reports__in=queryset)
        done = 0
        for message in messages_qs.distinct():
            services.message_moderate(actor=request.user, message=message, action=action)
            done += 1
        modeladmin.message_user(request, MODERATED[action] % {"n": done}, messages.SUCCESS)

    run.__name__ = f"{action}_messages"
    run.short_description = label
    run.allowed_permissions = ("change",)
    run.audited = True  # message_moderate writes one entry per message
    return run


def _suspend_action(suspended: bool):
    def run(modeladmin, request, queryset):
        if queryset.model is Message:
            sender_ids = queryset.values_list("sender_id", flat=True)
        else:
            sender_ids = Message.objects.filter(reports__in=queryset).values_list("sender_id", flat=True)
        from lms.models import User

        users = User.objects.filter(pk__in=set(sender_ids))
        for user in users:
            services.user_chat_suspend(actor=request.user, user=user, suspended=suspended)
        n = len(users)
        if suspended:
            text = ngettext("Suspended %(n)s sender from chat.", "Suspended %(n)s senders from chat.", n)
        else:
            text = ngettext(
                "Lifted the chat suspension of %(n)s sender.", "Lifted the chat suspension of %(n)s senders.", n
            )
        modeladmin.message_user(request, text % {"n": n}, messages.SUCCESS)

    run.__name__ = "suspend_senders" if suspended else "unsuspend_senders"
    run.short_description = _("Suspend the senders from chat") if suspended else _("Lift the senders' chat suspension")
    run.allowed_permissions = ("change",)
    run.audited = True
    return run


class NeedsReviewFilter(admin.SimpleListFilter):
    title = _("review")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [
            ("queue", _("Held or reported, not yet resolved")),
            ("held", _("Held")),
            ("reported", _("Reported")),
        ]

    def queryset(self, request, queryset):
        open_reports = Report.objects.filter(message=OuterRef("pk"), resolved_at__isnull=True)
        if self.value() == "queue":
            return queryset.filter(Q(status=MessageStatus.HELD) | Q(Exists(open_reports)))
        if self.value() == "held":
            return queryset.filter(status=MessageStatus.HELD)
        if self.value() == "reported":
            return queryset.filter(Exists(open_reports))
        return queryset


class MessageInline(admin.TabularInline):
    model = Message
    fields = ("id", "created_at", "sender", "body", "attachment_name", "status", "flags")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ("id",)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "created_at", "last_message_at", "message_count")
    search_fields = ("user_low__email", "user_high__email", "user_low__display_name", "user_high__display_name")
    readonly_fields = ("user_low", "user_high", "created_at", "last_message_at")
    inlines = [MessageInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user_low", "user_high").annotate(n=Count("messages"))

    @admin.display(description=_("messages"), ordering="n")
    def message_count(self, obj):
        return obj.n

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        conversation = Conversation.objects.filter(pk=pk).first() if (pk := parse_id(str(object_id))) else None
        if conversation is not None and response.status_code == 200:
            audit_record(
                actor=request.user,
                action="chat.conversation.view",
                target=conversation,
                message="Staff read the conversation in the admin.",
                ip_address=client_ip(request),
            )
        return response


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "sender", "short_body", "status", "flags", "open_reports")
    list_filter = (NeedsReviewFilter, "status")
    search_fields = ("body", "sender__email")
    readonly_fields = (
        "conversation",
        "sender",
        "created_at",
        "body",
        "status",
        "flags",
        "attachment_name",
        "attachment_kind",
        "attachment_size",
    )
    exclude = ("attachment", "client_id")
    actions = [
        _moderate_action("approve", _("Approve the selected messages (make them visible)")),
        _moderate_action("hide", _("Hide the selected messages")),
        _suspend_action(True),
        _suspend_action(False),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("sender", "conversation")
            .annotate(n_reports=Count("reports", filter=Q(reports__resolved_at__isnull=True)))
        )

    @admin.display(description=_("message"))
    def short_body(self, obj):
        return obj.body[:80] or obj.attachment_name

    @admin.display(description=_("open reports"), ordering="n_reports")
    def open_reports(self, obj):
        return obj.n_reports

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        message = Message.objects.filter(pk=pk).first() if (pk := parse_id(str(object_id))) else None
        if message is not None and response.status_code == 200:
            audit_record(actor=request.user, action="chat.message.view", target=message, ip_address=client_ip(request))
        return response


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "message", "reporter", "reason", "resolved_at", "resolution")
    list_filter = (("resolved_at", admin.EmptyFieldListFilter), "resolution")
    readonly_fields = ("message", "reporter", "reason", "created_at", "resolved_at", "resolved_by", "resolution")
    actions = [
        _moderate_action("hide", _("Hide the reported messages")),
        _moderate_action("approve", _("Dismiss: keep the reported messages visible")),
        _suspend_action(True),
    ]


@admin.register(Announcement)
class AnnouncementAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "course", "teacher", "recipient_count")
    readonly_fields = ("course", "teacher", "body", "created_at", "recipient_count")


@admin.register(ChatSettings)
class ChatSettingsAdmin(SingletonModelAdmin):
    fields = ("contact_action", "allowed_link_domains")
