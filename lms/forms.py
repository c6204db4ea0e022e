from django import forms
from django.utils.translation import gettext_lazy as _

from lms.infra.validators import time_zone_names
from lms.models import TeacherProfile, User


def time_zone_choices():
    return [(name, name.replace("_", " ")) for name in time_zone_names()]


# Zone names are the IANA database's, and languages are named in their own language: neither is
# translated (translate="no" tells browsers' translators, and the pseudo-locale test, so).
NOT_TRANSLATED = {"translate": "no"}


class SignupExtraForm(forms.Form):
    """Fields allauth's sign-up form adds to email and password."""

    display_name = forms.CharField(
        max_length=80, label=_("Your name"), help_text=_("How teachers and students will see you.")
    )
    time_zone = forms.ChoiceField(
        choices=time_zone_choices,
        initial="UTC",
        label=_("Time zone"),
        help_text=_("Class times are shown in this zone."),
        # static/js/lyceum.js preselects the zone the browser reports.
        widget=forms.Select(attrs={"data-detect-time-zone": "", **NOT_TRANSLATED}),
    )

    def signup(self, request, user):
        """allauth's hook; `AccountAdapter.save_user` already stored these fields."""


class TimeZoneForm(forms.Form):
    """A zone picked from the notice that the device's zone differs from the profile's."""

    time_zone = forms.ChoiceField(choices=time_zone_choices)


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        choices=time_zone_choices,
        label=_("Time zone"),
        help_text=_("Every time on the site is shown in this zone."),
        widget=forms.Select(attrs=NOT_TRANSLATED),
    )

    class Meta:
        model = User
        fields = ["display_name", "photo", "time_zone", "language"]
        labels = {"display_name": _("Display name"), "photo": _("Photo"), "language": _("Language")}
        widgets = {
            "language": forms.Select(attrs=NOT_TRANSLATED),
            "photo": forms.ClearableFileInput(
                attrs={"accept": "image/jpeg,image/png,image/webp,image/gif", "class": "file-input"}
            ),
        }


class TeacherProfileForm(forms.ModelForm):
    subjects = forms.CharField(
        required=False,
        label=_("Subjects"),
        help_text=_("Separate subjects with commas, e.g. “Algebra, Calculus”."),
        max_length=300,
    )

    class Meta:
        model = TeacherProfile
        fields = ["headline", "bio", "subjects", "is_listed"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 6})}
        labels = {
            "headline": _("Headline"),
            "bio": _("Bio"),
            "is_listed": _("Show me on the public teachers page"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["subjects"] = ", ".join(self.instance.subjects)

    def clean_subjects(self):
        subjects = [s.strip() for s in self.cleaned_data["subjects"].split(",") if s.strip()]
        if len(subjects) > 12:
            raise forms.ValidationError(_("List at most 12 subjects."))
        return list(dict.fromkeys(subjects))
