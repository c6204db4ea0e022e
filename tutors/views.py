"""The tutor directory, the teacher's public page, their marketplace settings (prices, trial,
packages) and their credentials for verification. Thin: the rules are in tutors.services and
the reading in tutors.selectors."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing.money import to_major
from courses.embeds import player_html
from lms.decorators import role_required
from lms.infra.files import private_file_response
from lms.models import Role, TeacherProfile
from tutors import selectors, services
from tutors.forms import CredentialForm, OfferForm, PackageForm, directory_form


def teacher_list(request):
    """/teachers/: the tutor directory, filtered and sorted from the URL; an htmx request
    from the filters gets only the results."""
    form = directory_form(request.GET)
    result = selectors.directory_search(
        query=form.query(), zone=timezone.get_current_timezone(), page_number=request.GET.get("page")
    )
    cards = [
        {
            "tutor": tutor,
            "profile": tutor.user.teacher_profile,
            "price": to_major(tutor.rate_60, tutor.currency),
            "trial_price": None if tutor.trial_price is None else to_major(tutor.trial_price, tutor.currency),
            "rating": round(tutor.rating_average, 1),
            "reasons": result.scores[tutor.pk].reasons if tutor.pk in result.scores else (),
        }
        for tutor in result.page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    template = "tutors/teacher_list.html"
    if request.htmx and request.htmx.target == "directory-results":
        template += "#results"
    context = {
        "directory_url": reverse("teacher_list"),
        "form": form,
        "page": result.page,
        "cards": cards,
        "querystring": query.urlencode(),
    }
    return render(request, template, context)


def _form_errors(form, exc: ValidationError) -> None:
    """Put a service's errors on the form (fields it does not have go on top)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def teacher_profile(request, slug: str):
    profile = get_object_or_404(TeacherProfile.objects.select_related("user"), slug=slug, user__role=Role.TEACHER)
    teacher = profile.user
    if not teacher.is_active:
        raise Http404(_("No such teacher."))
    tutor = selectors.tutor_of(teacher)
    context = {
        "profile": profile,
        "teacher": teacher,
        "tutor": tutor,
        "next_times": selectors.next_free_times(teacher=teacher),
    }
    if tutor is not None:
        context["offer"] = selectors.offer_of(tutor)
        context["response"] = selectors.response_time(tutor)
        context["video"] = player_html(tutor.intro_video_url, title=_("Meet %(name)s") % {"name": teacher.name})
    return render(request, "tutors/teacher_profile.html", context)


def _offer_context(request, tutor, *, form=None, package_form=None) -> dict:
    return {
        "tutor": tutor,
        "form": form or OfferForm(initial=OfferForm.initial_for(tutor)),
        "package_form": package_form or PackageForm(),
        "packages": tutor.packages.filter(is_active=True),
    }


@role_required(Role.TEACHER)
def offer(request):
    tutor = services.tutor_ensure(user=request.user)
    form = None
    if request.method == "POST":
        form = OfferForm(request.POST)
        if form.is_valid():
            try:
                services.tutor_update(actor=request.user, tutor=tutor, **form.service_kwargs())
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Your marketplace profile is saved."))
                return redirect("tutors:offer")
    status = 422 if form is not None else 200
    return render(request, "tutors/offer.html", _offer_context(request, tutor, form=form), status=status)


def _packages_response(request, tutor, *, package_form=None, status=200):
    if request.htmx:
        context = _offer_context(request, tutor, package_form=package_form)
        return render(request, "tutors/offer.html#packages", context, status=status)
    return redirect("tutors:offer")


@role_required(Role.TEACHER)
@require_POST
def package_add(request):
    tutor = services.tutor_ensure(user=request.user)
    form = PackageForm(request.POST)
    if form.is_valid():
        try:
            services.package_add(actor=request.user, tutor=tutor, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            if not request.htmx:
                messages.success(request, _("The package is added."))
            return _packages_response(request, tutor)
    if request.htmx:
        return _packages_response(request, tutor, package_form=form, status=422)
    context = _offer_context(request, tutor, package_form=form)
    return render(request, "tutors/offer.html", context, status=422)


@role_required(Role.TEACHER)
@require_POST
def package_remove(request, package_id: int):
    tutor = services.tutor_ensure(user=request.user)
    services.package_remove(actor=request.user, tutor=tutor, package_id=package_id)
    if not request.htmx:
        messages.success(request, _("The package is removed."))
    return _packages_response(request, tutor)


@role_required(Role.TEACHER)
def credentials(request):
    tutor = services.tutor_ensure(user=request.user)
    form, status = CredentialForm(), 200
    if request.method == "POST":
        form = CredentialForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.credential_upload(
                    actor=request.user, tutor=tutor, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"]
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Uploaded. Staff will review it."))
                return redirect("tutors:credentials")
        status = 422
    context = {"tutor": tutor, "form": form, "credentials": tutor.credentials.all()}
    return render(request, "tutors/credentials.html", context, status=status)


def credential_file(request, credential_id: int):
    """The file, to its teacher and staff only; everyone else is told it does not exist."""
    credential = selectors.credential_for(user=request.user, credential_id=credential_id)
    if credential is None or not credential.file:
        raise Http404(_("No such file."))
    return private_file_response(credential.file, filename=credential.original_name)
