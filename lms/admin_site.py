"""Lyceum's Django admin site: the staff portal.

Every ModelAdmin registered on it — ours and third-party apps' alike — is given
`AuditedAdminMixin`, so every add, change, delete and action a staff member makes is
written to the audit log with each field's before → after.
"""

import functools

from allauth.account.adapter import get_adapter
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lms.services import audit_record

MASKED_FIELDS = {"password", "password1", "password2", "secret", "key", "client_id"}


def client_ip(request) -> str | None:
    """The client's address exactly as allauth's rate limits see it: REMOTE_ADDR, or behind
    TRUSTED_PROXY_COUNT proxies the entry the outermost of ours added to X-Forwarded-For."""
    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:  # no usable address at all
        return None


class AuditedAdminMixin:
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changes = {
            field: (
                "••••" if field in MASKED_FIELDS else form.initial.get(field) if change else None,
                "••••" if field in MASKED_FIELDS else form.cleaned_data.get(field),
            )
            for field in form.changed_data
        }
        audit_record(
            actor=request.user,
            action="admin.change" if change else "admin.add",
            target=obj,
            changes=changes,
            ip_address=client_ip(request),
        )

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for inline_form in formset.forms:
            if inline_form.has_changed() and inline_form.instance.pk and not formset._should_delete_form(inline_form):
                audit_record(
                    actor=request.user,
                    action="admin.change",
                    target=inline_form.instance,
                    changes={
                        f: (inline_form.initial.get(f), inline_form.cleaned_data.get(f))
                        for f in inline_form.changed_data
                    },
                    ip_address=client_ip(request),
                )
        for deleted in formset.deleted_objects:
            audit_record(actor=request.user, action="admin.delete", target=deleted, ip_address=client_ip(request))

    def delete_model(self, request, obj):
        audit_record(actor=request.user, action="admin.delete", target=obj, ip_address=client_ip(request))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit_record(actor=request.user, action="admin.delete", target=obj, ip_address=client_ip(request))
        super().delete_queryset(request, queryset)

    def get_actions(self, request):
        return {
            name: (self._audited_action(func, name), name, description)
            for name, (func, name, description) in super().get_actions(request).items()
        }

    def _audited_action(self, func, name):
        # Actions whose service writes its own, more precise entries say so with `.audited`.
        if getattr(func, "audited", False) or name == "delete_selected":  # deletions audit themselves
            return func

        @functools.wraps(func)
        def audited_action(modeladmin, request, queryset):
            ids = [str(pk) for pk in queryset.values_list("pk", flat=True)[:1000]]
            response = func(modeladmin, request, queryset)
            audit_record(
                actor=request.user,
                action=f"admin.action.{name}",
                changes={"objects": (None, ids)},
                message=f"{name} on {len(ids)} {queryset.model._meta.verbose_name_plural}",
                ip_address=client_ip(request),
            )
            return response

        return audited_action


class LyceumAdminSite(admin.AdminSite):
    site_header = _("Lyceum staff portal")
    site_title = _("Lyceum staff")
    index_title = _("Run the platform")

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AuditedAdminMixin):
            admin_class = type(f"Audited{admin_class.__name__}", (AuditedAdminMixin, admin_class), {})
        super().register(model_or_iterable, admin_class, **options)

    def login(self, request, extra_context=None):
        # No password form here: staff sign in through allauth (two-factor, rate limits).
        from lms.views import login_elsewhere

        return login_elsewhere(request, default_next=reverse("admin:index", current_app=self.name))


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records staff look at and act on through admin actions (which go through the services),
    never edit, add or delete by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # Viewing only; the actions need "change" on the changelist.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False
