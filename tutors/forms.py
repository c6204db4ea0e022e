"""The tutor directory's filters, read from the URL (a GET form), and the teacher's marketplace
forms. Prices are typed in major units (pounds) and handed to tutors.services in minor units
(pence); the services validate the rules."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.money import to_major, to_minor
from tutors.models import LESSON_LENGTHS, Credential, Level, SpokenLanguage, Subject, Tutor
from tutors.selectors import DirectoryQuery, directory_tutors
from tutors.services import CURRENCIES, credential_max_bytes
from tutors.times import PERIODS

SORT_CHOICES = [
    ("recommended", _("Recommended")),
    ("price", _("Price: lowest first")),
    ("rating", _("Rating: highest first")),
    ("newest", _("Newest")),
]


RATING_CHOICES = [("", _("Any rating")), ("4.5", _("4.5 and up")), ("4", _("4 and up")), ("3.5", _("3.5 and up"))]


class DirectoryForm(forms.Form):
    """Filters and order of /teachers/. A value that is not valid (letters for a price, a
    subject that does not exist) is shown as an error beside its field and left out of
    the search; the other filters still apply."""

    subject = forms.ChoiceField(label=_("Subject"), required=False)
    level = forms.ChoiceField(label=_("Level"), required=False)
    language = forms.ChoiceField(label=_("Speaks"), required=False)
    price_min = forms.DecimalField(label=_("From"), required=False, min_value=0, max_digits=9, decimal_places=2)
    price_max = forms.DecimalField(label=_("To"), required=False, min_value=0, max_digits=9, decimal_places=2)
    currency = forms.ChoiceField(label=_("Currency"), required=False)
    when = forms.MultipleChoiceField(
        label=_("Available when I am"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(period.key, period.label) for period in PERIODS],
    )
    rating = forms.ChoiceField(label=_("Rating"), required=False, choices=RATING_CHOICES)
    verified = forms.BooleanField(label=_("Verified tutors only"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def __init__(self, data, *, subjects, levels, languages, currencies, **kwargs):
        super().__init__(data, **kwargs)
        self.subjects = {subject.slug: subject for subject in subjects}
        self.levels = {level.slug: level for level in levels}
        self.fields["subject"].choices = [("", _("Any subject")), *((s.slug, s.name) for s in subjects)]
        self.fields["level"].choices = [("", _("Any level")), *((lv.slug, lv.name) for lv in levels)]
        self.fields["language"].choices = [("", _("Any language")), *((lang.code, lang.name) for lang in languages)]
        self.fields["currency"].choices = [(code, code) for code in currencies]

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("price_min"), cleaned.get("price_max")
        if low is not None and high is not None and low > high:
            self.add_error("price_max", _("The highest price must be at least the lowest."))
        return cleaned

    def query(self) -> DirectoryQuery:
        """The search of the valid fields (call after is_valid())."""
        data = self.cleaned_data
        currency = data.get("currency") or self.fields["currency"].choices[0][0]
        price_min, price_max = data.get("price_min"), data.get("price_max")
        if "price_max" in self.errors:
            price_min = price_max = None
        subject = self.subjects.get(data.get("subject") or "")
        level = self.levels.get(data.get("level") or "")
        return DirectoryQuery(
            subject=subject.pk if subject else None,
            level=level.pk if level else None,
            language=data.get("language") or "",
            currency=currency,
            price_min=None if price_min is None else to_minor(price_min, currency),
            price_max=None if price_max is None else to_minor(price_max, currency),
            periods=tuple(data.get("when") or ()),
            rating_min=Decimal(data["rating"]) if data.get("rating") else None,
            verified=bool(data.get("verified")),
            sort=data.get("sort") or "recommended",
        )


def directory_form(data) -> DirectoryForm:
    """The form with the managed taxonomy's choices (three small queries) and the currencies tutors charge in."""
    default = Tutor._meta.get_field("currency").default
    charged = set(directory_tutors().order_by().values_list("currency", flat=True).distinct())
    currencies = [default, *sorted(charged - {default})]
    form = DirectoryForm(
        data,
        subjects=list(Subject.objects.all()),
        levels=list(Level.objects.all()),
        languages=list(SpokenLanguage.objects.all()),
        currencies=currencies,
    )
    form.is_valid()
    return form


PRICE = {"min_value": Decimal("0"), "max_digits": 9, "decimal_places": 2, "required": False}


def _length_choices():
    return [(m, _("%(minutes)s minutes") % {"minutes": m}) for m in LESSON_LENGTHS]


class OfferForm(forms.Form):
    subjects = forms.ModelMultipleChoiceField(
        label=_("Subjects"), queryset=Subject.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    levels = forms.ModelMultipleChoiceField(
        label=_("Levels"), queryset=Level.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    languages = forms.ModelMultipleChoiceField(
        label=_("Languages you teach in"),
        queryset=SpokenLanguage.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    currency = forms.ChoiceField(
        label=_("Currency"), choices=[(c, c) for c in CURRENCIES], widget=forms.Select(attrs={"translate": "no"})
    )
    rate_30 = forms.DecimalField(label=_("Price of 30 minutes"), **PRICE)
    rate_45 = forms.DecimalField(label=_("Price of 45 minutes"), **PRICE)
    rate_60 = forms.DecimalField(label=_("Price of 60 minutes"), **PRICE)
    trial_price = forms.DecimalField(
        label=_("Trial lesson price"), help_text=_("Leave empty for no trial lesson."), **PRICE
    )
    trial_minutes = forms.TypedChoiceField(label=_("Trial lesson length"), coerce=int, choices=_length_choices)
    intro_video_url = forms.URLField(
        label=_("Intro video"),
        required=False,
        max_length=500,
        help_text=_("A YouTube or Vimeo link. It plays only when a visitor presses Play."),
        assume_scheme="https",
    )
    education = forms.CharField(label=_("Education"), required=False, max_length=4000, widget=forms.Textarea)
    experience = forms.CharField(label=_("Experience"), required=False, max_length=4000, widget=forms.Textarea)
    is_listed = forms.BooleanField(label=_("List me in the tutor directory"), required=False)

    @classmethod
    def initial_for(cls, tutor: Tutor) -> dict:
        def major(value):
            return None if value is None else to_major(value, tutor.currency)

        return {
            "subjects": list(tutor.subjects.all()),
            "levels": list(tutor.levels.all()),
            "languages": list(tutor.languages.all()),
            "currency": tutor.currency,
            "rate_30": major(tutor.rate_30),
            "rate_45": major(tutor.rate_45),
            "rate_60": major(tutor.rate_60),
            "trial_price": major(tutor.trial_price),
            "trial_minutes": tutor.trial_minutes,
            "intro_video_url": tutor.intro_video_url,
            "education": tutor.education,
            "experience": tutor.experience,
            "is_listed": tutor.is_listed,
        }

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        currency = data["currency"]
        for name in ("rate_30", "rate_45", "rate_60", "trial_price"):
            data[name] = None if data[name] is None else to_minor(data[name], currency)
        return data


class PackageForm(forms.Form):
    lessons = forms.IntegerField(label=_("Lessons"), min_value=2, max_value=50, initial=5)
    minutes = forms.TypedChoiceField(label=_("Lesson length"), coerce=int, choices=_length_choices, initial=60)
    discount_percent = forms.IntegerField(label=_("Discount (%)"), min_value=1, max_value=50, initial=10)


class CredentialForm(forms.Form):
    kind = forms.ChoiceField(label=_("What is it?"), choices=Credential.Kind.choices)
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("A PDF, JPEG or PNG file of at most %(n)s MB.") % {
            "n": credential_max_bytes() // (1024 * 1024)
        }
