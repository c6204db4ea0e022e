from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.money import to_minor
from board.models import CURRENCIES, PostKind
from tutors.models import LESSON_LENGTHS, Level, Subject
from tutors.times import PERIODS

MAX_AMOUNT = Decimal("100000")


class _AmountMixin:
    amount_field = "budget"

    def amount_minor(self) -> int | None:
        amount = self.cleaned_data.get(self.amount_field)
        if amount is None:
            return None
        return to_minor(amount, self.cleaned_data.get("currency") or self.currency)


class PostForm(_AmountMixin, forms.Form):
    """A tutoring request (students) or a teaching position (staff): the fields differ."""

    currency = "GBP"

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["subject"] = forms.ModelChoiceField(Subject.objects.all(), label=_("Subject"))
        self.fields["level"] = forms.ModelChoiceField(
            Level.objects.all(), label=_("Level"), required=False, empty_label=_("Any level")
        )
        currency = forms.ChoiceField(label=_("Currency"), choices=[(c, c) for c in CURRENCIES], initial="GBP")
        amount = {"min_value": Decimal("0.01"), "max_value": MAX_AMOUNT, "decimal_places": 2}
        if kind == PostKind.REQUEST:
            self.fields["learner_name"] = forms.CharField(
                label=_("Who are the lessons for?"),
                required=False,
                max_length=80,
                help_text=_("Leave empty if they are for you. A parent can name their child here."),
            )
            self.fields["description"] = forms.CharField(
                label=_("Your goals"),
                widget=forms.Textarea(attrs={"rows": 4}),
                max_length=4000,
                help_text=_("What you want to learn or improve, and anything a tutor should know."),
            )
            self.fields["times"] = forms.MultipleChoiceField(
                label=_("Preferred times (in your time zone)"),
                choices=[(p.key, p.label) for p in PERIODS],
                widget=forms.CheckboxSelectMultiple,
                required=False,
            )
            self.fields["budget"] = forms.DecimalField(label=_("Budget per 60 minutes"), required=False, **amount)
            self.fields["currency"] = currency
            self.fields["lesson_minutes"] = forms.TypedChoiceField(
                label=_("Lesson length"),
                coerce=int,
                choices=[(m, _("%(minutes)s minutes") % {"minutes": m}) for m in LESSON_LENGTHS],
                initial=60,
            )
            self.fields["online"] = forms.BooleanField(label=_("Online lessons"), required=False, initial=True)
            self.order_fields(["learner_name", "subject", "level", "description", "times"])
        else:
            self.fields["title"] = forms.CharField(label=_("Title"), max_length=120)
            self.fields["description"] = forms.CharField(
                label=_("Description"), widget=forms.Textarea(attrs={"rows": 5}), max_length=4000
            )
            self.fields["hours"] = forms.CharField(
                label=_("Hours"), max_length=120, required=False, help_text=_("For example: 10 hours a week, evenings.")
            )
            self.fields["budget"] = forms.DecimalField(label=_("Pay per hour"), required=False, **amount)
            self.fields["currency"] = currency
            self.fields["online"] = forms.BooleanField(label=_("Online"), required=False, initial=True)
            self.order_fields(["title", "subject", "level", "description", "hours"])

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            "kind": self.kind,
            "subject": data["subject"],
            "level": data.get("level"),
            "description": data["description"],
            "budget": self.amount_minor(),
            "currency": data["currency"],
            "online": data.get("online", False),
        }
        if self.kind == PostKind.REQUEST:
            kwargs |= {
                "learner_name": data.get("learner_name", ""),
                "times": data.get("times", []),
                "lesson_minutes": data["lesson_minutes"],
            }
        else:
            kwargs |= {"title": data["title"], "hours": data.get("hours", "")}
        return kwargs


class ApplicationForm(_AmountMixin, forms.Form):
    amount_field = "rate"

    message = forms.CharField(
        label=_("Your message"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_("How you would help. Contact details are removed: talk on Lyceum once you are chosen."),
    )
    rate = forms.DecimalField(
        label=_("Your rate per 60 minutes"), min_value=Decimal("0.01"), max_value=MAX_AMOUNT, decimal_places=2
    )

    def __init__(self, *args, currency: str = "GBP", **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.fields["rate"].help_text = _("In %(currency)s.") % {"currency": currency}
