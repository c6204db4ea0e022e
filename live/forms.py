from decimal import Decimal

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from live.models import CLASS_LENGTHS, Availability, LivePreferences, WeeklyHours
from lms.infra.validators import validate_calendar_date


class AvailabilityForm(forms.ModelForm):
    class Meta:
        model = Availability
        fields = ["accepting", "class_minutes", "buffer_minutes", "min_notice_hours", "max_days_ahead"]
        labels = {
            "accepting": _("Take new bookings"),
            "class_minutes": _("Class length"),
            "buffer_minutes": _("Buffer between classes (minutes)"),
            "min_notice_hours": _("Minimum notice (hours)"),
            "max_days_ahead": _("Bookable up to (days ahead)"),
        }


class WeeklyHoursForm(forms.Form):
    weekday = forms.TypedChoiceField(choices=WeeklyHours.Weekday.choices, coerce=int, label=_("Day"))
    start_time = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}))


class DateExceptionForm(forms.Form):
    day = forms.DateField(
        label=_("Date"), validators=[validate_calendar_date], widget=forms.DateInput(attrs={"type": "date"})
    )
    start_time = forms.TimeField(
        label=_("From"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=_("Blank for a day off."),
    )
    end_time = forms.TimeField(label=_("Until"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))


class GroupClassForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=140, required=False, help_text=_("Blank: “Live class: <course>”.")
    )
    date = forms.DateField(
        label=_("Date"), validators=[validate_calendar_date], widget=forms.DateInput(attrs={"type": "date"})
    )
    time = forms.TimeField(
        label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}), help_text=_("In your own time zone.")
    )
    minutes = forms.TypedChoiceField(
        label=_("Length"),
        coerce=int,
        choices=CLASS_LENGTHS,
    )
    capacity = forms.IntegerField(min_value=2, max_value=500, initial=10, label=_("Places"))
    price = forms.DecimalField(
        label=_("Price of a place"),
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("100000"),
        max_digits=9,
        decimal_places=2,
        help_text=_("Blank or 0: free. Students pay when they register."),
    )

    def __init__(self, *args, currency: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if currency:
            self.fields["price"].label = format_lazy(_("Price of a place ({currency})"), currency=currency)


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = LivePreferences
        fields = ["remind_24h", "remind_1h"]
