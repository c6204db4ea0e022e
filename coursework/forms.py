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
        help_text=_("In your time zone."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "class": "input mt-1"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args, students, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].choices = [(s.pk, f"{s.name} <{s.email}>") for s in students]


class CohortDueForm(forms.Form):
    cohort = forms.TypedChoiceField(label=_("Cohort"), coerce=int, widget=forms.Select(attrs={"class": "input mt-1"}))
    due_at = forms.DateTimeField(
        label=_("Due"),
        help_text=_("In your time zone."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "class": "input mt-1"}, format="%Y-%m-%dT%H:%M"),
    )
    cut_off_at = forms.DateTimeField(
        label=_("No submissions after"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "class": "input mt-1"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args, cohorts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].choices = [(c.pk, c.name) for c in cohorts]


class RegradeForm(forms.Form):
    reason = forms.CharField(
        label=_("What should your teacher look at again?"), max_length=2_000, widget=forms.Textarea(attrs={"rows": 3})
    )


class GradeOverrideForm(forms.Form):
    student = forms.TypedChoiceField(label=_("Student"), coerce=int, widget=forms.Select(attrs={"class": "input mt-1"}))
    item = forms.ChoiceField(label=_("Item"), widget=forms.Select(attrs={"class": "input mt-1"}))
    percent = forms.CharField(
        label=_("Grade (%)"),
        required=False,
        max_length=8,
        help_text=_("Empty: back to the computed grade."),
        widget=forms.TextInput(attrs={"class": "input mt-1", "inputmode": "decimal"}),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=300, widget=forms.TextInput(attrs={"class": "input mt-1 w-full"})
    )

    def __init__(self, *args, students, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].choices = [(s.pk, s.name) for s in students]
        self.fields["item"].choices = [(item.key, item.title) for item in items]


class GradingSchemeForm(forms.Form):
    assignment_weight = forms.IntegerField(label=_("Assignments (%)"), min_value=0, max_value=100)
    quiz_weight = forms.IntegerField(label=_("Quizzes (%)"), min_value=0, max_value=100)
    attendance_weight = forms.IntegerField(label=_("Attendance of live classes (%)"), min_value=0, max_value=100)
    drop_lowest_assignments = forms.IntegerField(label=_("Drop the lowest assignments"), min_value=0, max_value=10)
    drop_lowest_quizzes = forms.IntegerField(label=_("Drop the lowest quizzes"), min_value=0, max_value=10)
    letters = forms.CharField(
        label=_("Letter grades"),
        max_length=200,
        help_text=_("Each letter and its lowest percentage: “A 90, B 80, F 0”."),
    )
    completion_min_percent = forms.IntegerField(
        label=_("Course grade needed for the certificate (%)"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("Empty: completing every lesson is enough."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "input mt-1")
