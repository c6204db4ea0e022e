from django import forms
from django.utils.translation import gettext_lazy as _

from api.models import PersonalAccessToken


class PersonalTokenForm(forms.Form):
    LIFETIMES = [("30", _("30 days")), ("90", _("90 days")), ("365", _("One year")), ("", _("Until I revoke it"))]

    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What will use it, e.g. “Gradebook sync”."))
    scope = forms.ChoiceField(
        label=_("Access"),
        choices=PersonalAccessToken.Scope.choices,
        initial=PersonalAccessToken.Scope.READ,
        widget=forms.RadioSelect,
    )
    expires_in_days = forms.TypedChoiceField(
        label=_("Expires after"), choices=LIFETIMES, coerce=int, empty_value=None, initial="90", required=False
    )
