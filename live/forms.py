from django import forms

from live.models import Availability, LivePreferences, WeeklyHours
from lms.infra.validators import validate_calendar_date


class AvailabilityForm(forms.ModelForm):
    class Meta:
        model = Availability
        fields = ["accepting", "class_minutes", "buffer_minutes", "min_notice_hours", "max_days_ahead"]
        labels = {
            "accepting": "Take new bookings",
            "class_minutes": "Class length",
            "buffer_minutes": "Buffer between classes (minutes)",
            "min_notice_hours": "Minimum notice (hours)",
            "max_days_ahead": "Bookable up to (days ahead)",
        }


class WeeklyHoursForm(forms.Form):
    weekday = forms.TypedChoiceField(choices=WeeklyHours.Weekday.choices, coerce=int, label="Day")
    start_time = forms.TimeField(label="From", widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label="Until", widget=forms.TimeInput(attrs={"type": "time"}))


class DateExceptionForm(forms.Form):
    day = forms.DateField(
        label="Date", validators=[validate_calendar_date], widget=forms.DateInput(attrs={"type": "date"})
    )
    start_time = forms.TimeField(
        label="From", required=False, widget=forms.TimeInput(attrs={"type": "time"}), help_text="Blank for a day off."
    )
    end_time = forms.TimeField(label="Until", required=False, widget=forms.TimeInput(attrs={"type": "time"}))


class GroupClassForm(forms.Form):
    title = forms.CharField(max_length=140, required=False, help_text="Blank: “Live class: <course>”.")
    date = forms.DateField(validators=[validate_calendar_date], widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}), help_text="In your own time zone.")
    minutes = forms.TypedChoiceField(
        label="Length",
        coerce=int,
        choices=[(30, "30 minutes"), (45, "45 minutes"), (60, "60 minutes"), (90, "90 minutes")],
    )
    capacity = forms.IntegerField(min_value=2, max_value=500, initial=10, label="Places")


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = LivePreferences
        fields = ["remind_24h", "remind_1h"]
