from django import forms
from django.utils.translation import gettext_lazy as _

from chat.services import max_length


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("Write a message…")}),
    )
    attachment = forms.FileField(
        label=_("Attach an image or PDF"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,.pdf"}),
    )
    client_id = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].max_length = max_length()
        self.fields["body"].widget.attrs["maxlength"] = max_length()


class AnnouncementForm(forms.Form):
    body = forms.CharField(
        label=_("Announcement"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Every actively enrolled student gets it live, as a notification, and by email if they chose to."),
    )
    cohort = forms.TypedChoiceField(label=_("To"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, cohorts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].max_length = max_length()
        if cohorts:
            choices = [("", _("Every student of the course"))]
            choices += [(c.pk, _("The “%(name)s” cohort") % {"name": c.name}) for c in cohorts]
            self.fields["cohort"].choices = choices
        else:
            del self.fields["cohort"]


class ReportForm(forms.Form):
    reason = forms.CharField(label=_("What is wrong with this message?"), required=False, max_length=500)
