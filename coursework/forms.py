from django import forms
from django.utils.translation import gettext_lazy as _

from coursework.models import AssignmentPage


class HandInForm(forms.Form):
    text = forms.CharField(
        label=_("Your answer"), required=False, max_length=50_000, widget=forms.Textarea(attrs={"rows": 8})
    )
    link = forms.CharField(label=_("Link to your work"), required=False, max_length=500)
    file = forms.FileField(label=_("File"), required=False)
    remove_file = forms.BooleanField(label=_("Remove the file"), required=False)

    def __init__(self, *args, assignment: AssignmentPage, **kwargs):
        super().__init__(*args, **kwargs)
        if not assignment.accepts_text:
            del self.fields["text"]
        if not assignment.accepts_link:
            del self.fields["link"]
        if not assignment.file_kinds:
            del self.fields["file"], self.fields["remove_file"]


class GradeForm(forms.Form):
    score = forms.CharField(label=_("Score"), required=False, max_length=12)
    feedback = forms.CharField(
        label=_("Feedback"), required=False, max_length=20_000, widget=forms.Textarea(attrs={"rows": 6})
    )
    feedback_file = forms.FileField(label=_("Attach a file (PDF or image)"), required=False)


class ExtensionForm(forms.Form):
    student = forms.TypedChoiceField(label=_("Student"), coerce=int, widget=forms.Select(attrs={"class": "input mt-1"}))
    due_at = forms.DateTimeField(
        label=_("New due date"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "class": "input mt-1"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args, students, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].choices = [(s.pk, f"{s.name} <{s.email}>") for s in students]


class RegradeForm(forms.Form):
    reason = forms.CharField(
        label=_("What should your teacher look at again?"), max_length=2_000, widget=forms.Textarea(attrs={"rows": 3})
    )
