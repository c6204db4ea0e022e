"""Staff portal for course records: enroll a student by hand, end enrollments, revoke certificates."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from courses import services
from courses.models import Certificate, Cohort, CoursePage, Enrollment, QuizAttempt
from lms.admin_site import ReadOnlyAdmin
from lms.models import User


class EnrollmentAddForm(forms.ModelForm):
    class Meta:
        model = Enrollment
        fields = ("student", "course", "source", "reference")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = CoursePage.objects.order_by("title")
        self.fields["student"].queryset = User.objects.filter(is_active=True).order_by("email")
        self.fields["source"].initial = Enrollment.Source.STAFF

    def validate_constraints(self):
        # An existing active enrollment is fine: enrollment_create returns it (idempotent).
        pass


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ("student", "course", "cohort", "status", "source", "reference", "created_at", "completed_at")
    list_filter = ("status", "source")
    search_fields = ("student__email", "student__display_name", "course__title", "reference")
    list_select_related = ("student", "course")
    autocomplete_fields = ()
    # The cohort is changed on the course's cohorts page (courses.services.cohort_assign, audited).
    readonly_fields = ("status", "created_at", "ended_at", "end_reason", "completed_at", "last_lesson", "cohort")
    actions = ["end_enrollments"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = EnrollmentAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("student", "course", "source", "reference")
        return ("student", "course", "source", "reference", *self.readonly_fields)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("student", "course", "source", "reference", *self.readonly_fields)

    def save_model(self, request, obj, form, change):
        if change:
            return
        enrollment = services.enrollment_create(
            student=form.cleaned_data["student"],
            course=form.cleaned_data["course"],
            source=form.cleaned_data["source"],
            reference=form.cleaned_data["reference"],
            actor=request.user,
        )
        obj.pk = enrollment.pk
        obj._state.adding = False

    @admin.action(description=_("End the selected enrollments"), permissions=["change"])
    def end_enrollments(self, request, queryset):
        ended = 0
        for enrollment in queryset.filter(status=Enrollment.Status.ACTIVE):
            services.enrollment_end(enrollment=enrollment, reason=_("Ended by staff."), actor=request.user)
            ended += 1
        self.message_user(
            request,
            ngettext("Ended %(count)d enrollment.", "Ended %(count)d enrollments.", ended) % {"count": ended},
            messages.SUCCESS,
        )

    end_enrollments.audited = True


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ("code", "student_name", "course_title", "issued_at", "revoked_at")
    search_fields = ("code", "student_name", "course_title", "student__email")
    readonly_fields = (
        "code",
        "student",
        "course",
        "student_name",
        "course_title",
        "teacher_names",
        "issued_at",
        "revoked_at",
    )
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Revoke the selected certificates"), permissions=["change"])
    def revoke(self, request, queryset):
        for certificate in queryset:
            services.certificate_revoke(certificate=certificate, actor=request.user, reason="Revoked by staff.")
        self.message_user(request, _("Revoked."), messages.SUCCESS)

    revoke.audited = True


@admin.register(QuizAttempt)
class QuizAttemptAdmin(admin.ModelAdmin):
    list_display = ("student", "lesson", "score", "passed", "created_at")
    list_filter = ("passed",)
    search_fields = ("student__email", "lesson__title")
    list_select_related = ("student", "lesson")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Cohort)
class CohortAdmin(ReadOnlyAdmin):
    """Teachers and staff add cohorts and move students on the course's cohorts page."""

    list_display = ("name", "course", "starts_at", "time_zone")
    list_filter = ("time_zone",)
    search_fields = ("name", "course__title")
    list_select_related = ("course",)
