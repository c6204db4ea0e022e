from django import forms

from lms.infra.validators import time_zone_names
from lms.models import TeacherProfile, User


def time_zone_choices():
    return [(name, name.replace("_", " ")) for name in time_zone_names()]


class SignupExtraForm(forms.Form):
    """Fields allauth's sign-up form adds to email and password."""

    display_name = forms.CharField(
        max_length=80, label="Your name", help_text="How teachers and students will see you."
    )
    time_zone = forms.ChoiceField(
        choices=time_zone_choices,
        initial="UTC",
        help_text="Class times are shown in this zone.",
        # static/js/lyceum.js preselects the zone the browser reports.
        widget=forms.Select(attrs={"data-detect-time-zone": ""}),
    )

    def signup(self, request, user):
        """allauth's hook; `AccountAdapter.save_user` already stored these fields."""


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=time_zone_choices, help_text="Every time on the site is shown in this zone.")

    class Meta:
        model = User
        fields = ["display_name", "photo", "time_zone"]
        widgets = {"photo": forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"})}


class TeacherProfileForm(forms.ModelForm):
    subjects = forms.CharField(
        required=False, help_text="Separate subjects with commas, e.g. “Algebra, Calculus”.", max_length=300
    )

    class Meta:
        model = TeacherProfile
        fields = ["headline", "bio", "subjects", "is_listed"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 6})}
        labels = {"is_listed": "Show me on the public teachers page"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["subjects"] = ", ".join(self.instance.subjects)

    def clean_subjects(self):
        subjects = [s.strip() for s in self.cleaned_data["subjects"].split(",") if s.strip()]
        if len(subjects) > 12:
            raise forms.ValidationError("List at most 12 subjects.")
        return list(dict.fromkeys(subjects))
