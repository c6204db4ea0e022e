from django import forms
from django.utils.translation import gettext_lazy as _

from reviews.services import REASON_MAX, TEXT_MAX

STARS = [(n, n) for n in range(5, 0, -1)]


class ReviewForm(forms.Form):
    stars = forms.TypedChoiceField(label=_("Your rating"), choices=STARS, coerce=int, widget=forms.RadioSelect)
    text = forms.CharField(
        label=_("Your review"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What went well, what could be better? No phone numbers, emails or links."),
    )


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("Your reply"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}))


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with this review?"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
