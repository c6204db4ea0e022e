from django import forms
from django.utils.translation import gettext_lazy as _

from discussions.services import BODY_MAX, TITLE_MAX

MARKDOWN_HELP = _("Markdown works: **bold**, *italic*, `code`, lists and links. Mention someone with @ and their name.")


class ThreadForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=TITLE_MAX, widget=forms.TextInput(attrs={"class": "input mt-1"})
    )
    body = forms.CharField(
        label=_("Your question or topic"),
        max_length=BODY_MAX,
        help_text=MARKDOWN_HELP,
        widget=forms.Textarea(attrs={"rows": 5, "class": "input mt-1"}),
    )
    lesson = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=BODY_MAX,
        help_text=MARKDOWN_HELP,
        widget=forms.Textarea(attrs={"rows": 4, "class": "input mt-1"}),
    )
