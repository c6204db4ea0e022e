from decimal import Decimal

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from billing.money import to_minor
from billing.selectors import GROUPS
from lms.infra.validators import validate_calendar_date


class DisputeForm(forms.Form):
    message = forms.CharField(
        label=_("What went wrong?"),
        widget=forms.Textarea(attrs={"rows": 6, "class": "input"}),
        min_length=10,
        max_length=5000,
    )
    live_class_reference = forms.CharField(
        label=_("Live class (if this is about one)"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "input"}),
        help_text=_("The class title and date, or its booking number."),
    )


class ReportForm(forms.Form):
    start = forms.DateField(
        label=_("From"),
        required=False,
        validators=[validate_calendar_date],
        widget=forms.DateInput(attrs={"type": "date", "class": "input"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        validators=[validate_calendar_date],
        widget=forms.DateInput(attrs={"type": "date", "class": "input"}, format="%Y-%m-%d"),
    )
    group = forms.ChoiceField(label=_("By"), choices=list(GROUPS.items()), required=False)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The start date must be before the end date."))
        return data


class RefundForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount to refund"), min_value=Decimal("0.01"), decimal_places=2, max_digits=10)
    reason = forms.CharField(label=_("Reason (kept in the audit log)"), max_length=300)

    def __init__(self, *args, payment, **kwargs):
        super().__init__(*args, **kwargs)
        self.payment = payment
        self.fields["amount"].help_text = format_lazy(
            _("In {currency}; at most the amount not yet refunded."), currency=payment.currency
        )

    def clean_amount(self):
        amount = to_minor(self.cleaned_data["amount"], self.payment.currency)
        if amount > self.payment.refundable_amount:
            raise forms.ValidationError(_("That is more than can still be refunded."))
        return amount
