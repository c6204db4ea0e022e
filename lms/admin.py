from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from lms.admin_site import client_ip
from lms.models import AuditLogEntry, Notification, Role, TeacherProfile, User
from lms.services import RoleChangeError, user_set_role


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class TeacherProfileInline(admin.StackedInline):
    model = TeacherProfile
    extra = 0
    can_delete = False


# One whole sentence per role, so each language can word it (and inflect the role) its own way.
ROLE_ACTION_NAMES = {
    Role.STUDENT: _("Make selected users students"),
    Role.TEACHER: _("Make selected users teachers"),
    Role.STAFF: _("Make selected users staff"),
}
ROLE_ACTION_DONE = {
    Role.STUDENT: lambda n: ngettext("%(count)d user is now a student.", "%(count)d users are now students.", n),
    Role.TEACHER: lambda n: ngettext("%(count)d user is now a teacher.", "%(count)d users are now teachers.", n),
    Role.STAFF: lambda n: ngettext("%(count)d user is now staff.", "%(count)d users are now staff.", n),
}


def _set_role_action(role: Role):
    def action(modeladmin, request, queryset):
        changed = 0
        for user in queryset:
            try:
                if user.role != role:
                    user_set_role(actor=request.user, user=user, role=role, ip_address=client_ip(request))
                    changed += 1
            except RoleChangeError as exc:
                modeladmin.message_user(request, str(exc), messages.ERROR)
        if changed:
            modeladmin.message_user(request, ROLE_ACTION_DONE[role](changed) % {"count": changed}, messages.SUCCESS)

    action.__name__ = f"make_{role.value}"
    action.short_description = ROLE_ACTION_NAMES[role]
    action.allowed_permissions = ("change",)
    action.audited = True  # user_set_role writes one audit entry per user
    return action


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserCreationForm
    list_display = ("email", "display_name", "role_badge", "is_active", "date_joined", "last_login")
    list_filter = ("role", "is_active", "is_superuser")
    search_fields = ("email", "display_name")
    ordering = ("-date_joined",)
    actions = [_set_role_action(Role.STUDENT), _set_role_action(Role.TEACHER), _set_role_action(Role.STAFF)]
    inlines = [TeacherProfileInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("display_name", "photo", "time_zone", "language")}),
        (_("Role"), {"fields": ("role", "is_active", "is_staff", "is_superuser", "chat_suspended")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def get_readonly_fields(self, request, obj=None):
        # Roles change only through the audited actions; superuser status only by a superuser.
        readonly = ["role", "is_staff", "last_login", "date_joined"]
        if not request.user.is_superuser:
            readonly.append("is_superuser")
        return readonly

    @admin.display(description=_("Role"), ordering="role")
    def role_badge(self, user):
        return format_html('<span class="role role-{}">{}</span>', user.role, user.get_role_display())


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "user", "kind", "created_at", "read_at", "email_sent_at", "email_attempts")
    list_filter = ("kind",)
    search_fields = ("title", "user__email")
    raw_id_fields = ("user",)
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor_email", "action", "target_repr", "summary")
    list_filter = ("action",)
    search_fields = ("actor_email", "target_repr", "message")
    date_hierarchy = "created_at"

    @admin.display(description=_("Before → after"))
    def summary(self, entry):
        parts = [f"{field}: {before!r} → {after!r}" for field, (before, after) in entry.changes.items()]
        return "; ".join(parts) or entry.message

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in AuditLogEntry._meta.fields]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
