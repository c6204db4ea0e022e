"""Staff moderate the board here: a reason typed in "Hide with this reason" hides a post
or an application (through the services, audited); the actions put them back."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from board import services
from board.models import Application, MatchNotice, Post


class HideForm(forms.ModelForm):
    hide_reason = forms.CharField(
        label=_("Hide with this reason"),
        required=False,
        max_length=300,
        help_text=_("Takes it off the board; the author is told the reason. Leave empty to change nothing."),
    )


def _show_action(show, label, name):
    def run(modeladmin, request, queryset):
        for obj in queryset:
            show(actor=request.user, **{queryset.model._meta.model_name: obj})
        n = queryset.count()
        modeladmin.message_user(request, ngettext("Shown %(n)s item.", "Shown %(n)s items.", n) % {"n": n})

    run.__name__ = name
    run.short_description = label
    run.allowed_permissions = ("change",)
    run.audited = True  # the service writes one entry per item
    return run


class _Moderated(admin.ModelAdmin):
    form = HideForm
    hide = None

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "id"]

    def save_model(self, request, obj, form, change):
        reason = form.cleaned_data.get("hide_reason")
        if reason:
            try:
                type(self).hide(actor=request.user, reason=reason, **{self.model._meta.model_name: obj})
            except services.BoardError as error:
                messages.error(request, str(error))


@admin.register(Post)
class PostAdmin(_Moderated):
    list_display = ["__str__", "kind", "author", "status", "created_at", "expires_at", "hidden_at"]
    list_filter = ["kind", "status", ("hidden_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "description", "author__email"]
    hide = services.post_hide
    actions = [_show_action(services.post_show, _("Show the selected posts (undo hide, approve held)"), "show_posts")]


@admin.register(Application)
class ApplicationAdmin(_Moderated):
    list_display = ["__str__", "status", "rate", "created_at", "hidden_at"]
    list_filter = ["status", ("hidden_at", admin.EmptyFieldListFilter)]
    search_fields = ["message", "applicant__email"]
    hide = services.application_hide
    actions = [
        _show_action(
            services.application_show, _("Show the selected applications (undo hide, approve held)"), "show_apps"
        )
    ]


@admin.register(MatchNotice)
class MatchNoticeAdmin(admin.ModelAdmin):
    list_display = ["post", "tutor", "score", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
