"""The teaching studio's form for course and lesson pages: a page may use only the images and
documents its editor may choose.

The choosers offer a teacher only their own files (`OwnFilesPermissionPolicy`, registered for
the image and document models in courses/wagtail_hooks.py), but a hand-made POST can name any
file's id — in the cover image, in a lesson block or in rich text. This form asks the same
policy about every file a field gains, so the rule is the choosers' and is written once.
Files the page already used are kept (a co-teacher may edit a lesson holding the owner's
handout)."""

from datetime import UTC
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.permissions import policy_registry

from lms.forms import NOT_TRANSLATED, time_zone_choices


def _files(field, value) -> set[tuple[type, str]]:
    """The (model, id) of every image and document a value of the model field refers to."""
    if value is None or value == "":
        return set()
    file_models = (get_image_model(), get_document_model())
    if isinstance(field, models.ForeignKey):
        pk = value.pk if isinstance(value, models.Model) else value
        return {(field.related_model, str(pk))} if issubclass(field.related_model, file_models) else set()
    if hasattr(field, "extract_references"):  # StreamField, RichTextField
        return {
            (model, str(object_id))
            for model, object_id, *_ in field.extract_references(value)
            if issubclass(model, file_models)
        }
    return set()


class CoursePageForm(WagtailAdminPageForm):
    def clean(self):
        cleaned_data = super().clean()
        user = self.for_user
        if user is None:
            return cleaned_data
        for name, value in list(cleaned_data.items()):
            try:
                field = self._meta.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            before = getattr(self.instance, field.attname, None)
            added = _files(field, value) - _files(field, before)
            refused = [
                f"{model._meta.verbose_name} {pk}"
                for model, pk in sorted(added, key=lambda file: (file[0]._meta.label, file[1]))
                if not _may_choose(user, model, pk)
            ]
            if refused:
                self.add_error(
                    name,
                    ValidationError(
                        _(
                            "You can only use images and documents you uploaded (or may edit): "
                            "%(files)s is not one of them."
                        ),
                        params={"files": ", ".join(refused)},
                        code="file_not_yours",
                    ),
                )
        return cleaned_data


def _may_choose(user, model, pk: str) -> bool:
    policy = policy_registry.get_by_type(model)
    return policy.instances_user_has_permission_for(user, "choose").filter(pk=pk).exists()


class CohortForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, widget=forms.TextInput(attrs={"class": "input mt-1"}))
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        help_text=_("In the cohort's time zone."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "class": "input mt-1"}, format="%Y-%m-%dT%H:%M"),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zone_choices,
        widget=forms.Select(attrs={"class": "input mt-1", **NOT_TRANSLATED}),
    )

    def clean(self):
        # The start is read in the cohort's own zone, not the teacher's.
        data = super().clean()
        starts_at, zone = data.get("starts_at"), data.get("time_zone")
        if starts_at and zone:
            local = timezone.make_naive(starts_at)
            aware = local.replace(tzinfo=ZoneInfo(zone))
            # A time the clocks skip in that zone does not come back the same from UTC.
            if aware.astimezone(UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None) != local:
                self.add_error(
                    "starts_at", _("That time does not exist in %(zone)s (the clocks change).") % {"zone": zone}
                )
            else:
                data["starts_at"] = aware
        return data


class CohortMoveForm(forms.Form):
    enrollment = forms.TypedChoiceField(
        label=_("Student"), coerce=int, widget=forms.Select(attrs={"class": "input mt-1"})
    )
    cohort = forms.TypedChoiceField(
        label=_("Cohort"),
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.Select(attrs={"class": "input mt-1"}),
    )

    def __init__(self, *args, enrollments, cohorts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrollment"].choices = [(e.pk, e.student.name) for e in enrollments]
        self.fields["cohort"].choices = [("", _("No cohort"))] + [(c.pk, c.name) for c in cohorts]


class CohortTeachersForm(forms.Form):
    cohort = forms.TypedChoiceField(label=_("Cohort"), coerce=int, widget=forms.Select(attrs={"class": "input mt-1"}))
    teachers = forms.TypedMultipleChoiceField(
        label=_("Its teachers"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Its students' questions go to them. None chosen: to all of the course's teachers."),
    )

    def __init__(self, *args, cohorts, teachers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].choices = [(c.pk, c.name) for c in cohorts]
        self.fields["teachers"].choices = [(t.pk, t.name) for t in teachers]
