"""Billing pages: buy, wait for confirmation, the webhook, history, receipts, earnings and
payout onboarding, plans, disputes, and the keyless test provider's checkout, portal and
onboarding pages."""

import csv
import datetime as dt
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from billing import gateway, lessons, payouts, selectors, services, testprovider
from billing.exceptions import BillingError, PaymentsNotConfigured
from billing.forms import DisputeForm, ReportForm
from billing.models import Payment, PayoutAccount, Plan, Subscription, WebhookEvent
from billing.receipts import receipt_pdf
from billing.webhooks import event_process
from courses import selectors as course_selectors
from courses.models import CoursePage
from lms.decorators import role_required
from lms.infra.validators import parse_id
from lms.models import Role, User

logger = logging.getLogger(__name__)


def _int_or_404(value) -> int:
    if (number := parse_id(value)) is None:
        raise Http404
    return number


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def course_entry_url(request, course: CoursePage) -> str:
    """Where a new owner of the course goes: its first lesson, else the course page."""
    lessons = course.lessons()
    return lessons[0].url if lessons else (course.get_url(request) or "/")


def _not_configured(request):
    """No payment provider on this site: say so plainly (503: the operator has to act)."""
    return render(request, "billing/not_configured.html", status=503)


# --- Buying a course --------------------------------------------------------------------


@login_required
@require_POST
def checkout_start(request, course_id: int):
    course = get_object_or_404(CoursePage.objects.live().specific(), pk=course_id)
    try:
        _payment, url = services.checkout_start(user=request.user, course=course, base_url=_base_url(request))
    except PaymentsNotConfigured:
        return _not_configured(request)
    except BillingError as exc:
        messages.error(request, str(exc))
        return redirect(course.get_url(request) or "/")
    return redirect(url)


@login_required
def checkout_success(request, payment_id: int):
    """Waits for the provider's confirmation (never grants anything itself), then opens the course."""
    payment = selectors.payment_for_user(user=request.user, payment_id=payment_id)
    if payment is not None and payment.kind in lessons.LESSON_KINDS:
        return _lesson_checkout_done(request, payment)
    if payment is None or payment.kind != Payment.Kind.COURSE:
        raise Http404
    confirmed = payment.status == Payment.Status.SUCCEEDED and course_selectors.active_enrollment(
        user=request.user, course=payment.course
    )
    if confirmed:
        url = course_entry_url(request, payment.course.specific)
        if request.htmx:
            return HttpResponseClientRedirect(url)
        messages.success(request, _("Payment received — welcome to {course}.").format(course=payment.course.title))
        return redirect(url)
    context = {
        "payment": payment,
        "failed": payment.status == Payment.Status.FAILED,
        # Paid but the access since ended (refunded, disputed): nothing left to wait for.
        "closed": payment.status not in (Payment.Status.PENDING, Payment.Status.FAILED),
    }
    if request.htmx:
        return render(request, "billing/checkout_success.html#status", context)
    return render(request, "billing/checkout_success.html", context)


def _lesson_checkout_done(request, payment: Payment):
    """Back from paying for a lesson or credits: on to the class (or the booking page) once
    the provider has confirmed; until then the same waiting page as a course purchase."""
    done = {
        Payment.Kind.LESSON: (Payment.Status.AUTHORIZED, Payment.Status.SUCCEEDED),
        Payment.Kind.PACKAGE: (Payment.Status.SUCCEEDED,),
        Payment.Kind.TRIAL: (Payment.Status.SUCCEEDED,),
    }[payment.kind]
    if payment.status in done:
        if payment.kind == Payment.Kind.LESSON and payment.live_class.kind == payment.live_class.Kind.GROUP:
            url = payment.live_class.get_absolute_url()
            message = _("Payment received. You have a place; the invitation is in your email.")
        elif payment.kind == Payment.Kind.LESSON:
            url = payment.live_class.get_absolute_url()
            message = _("Payment authorised. The teacher has your request; the money is taken only when they confirm.")
        else:
            url = reverse("live:booking_widget", args=[payment.teacher.teacher_profile.slug])
            message = _("Payment received. Your lessons are ready: pick a time below.")
        if request.htmx:
            return HttpResponseClientRedirect(url)
        messages.success(request, message)
        return redirect(url)
    context = {"payment": payment, "failed": False, "closed": payment.status != Payment.Status.PENDING}
    if request.htmx:
        return render(request, "billing/checkout_success.html#status", context)
    return render(request, "billing/checkout_success.html", context)


@role_required(Role.STUDENT)
@require_POST
def credits_buy(request, teacher_id: int):
    """A student buys a package of lessons or the trial lesson with a teacher (Checkout)."""
    teacher = get_object_or_404(User, pk=teacher_id, role=Role.TEACHER, is_active=True)
    package = None
    trial = request.POST.get("trial") == "1"
    if not trial:
        tutor = lessons.tutor_of(teacher)
        package_id = parse_id(request.POST.get("package"))
        package = tutor.packages.filter(pk=package_id).first() if tutor and package_id else None
    try:
        _payment, url = lessons.credits_checkout_start(
            student=request.user, teacher=teacher, package=package, trial=trial, base_url=_base_url(request)
        )
    except PaymentsNotConfigured:
        return _not_configured(request)
    except BillingError as exc:
        messages.error(request, str(exc))
        profile = getattr(teacher, "teacher_profile", None)
        return redirect(reverse("live:booking_widget", args=[profile.slug]) if profile else "/")
    return redirect(url)


@login_required
def checkout_cancelled(request, payment_id: int):
    payment = selectors.payment_for_user(user=request.user, payment_id=payment_id)
    if payment is None:
        raise Http404
    return render(request, "billing/checkout_cancelled.html", {"payment": payment})


@login_required
def test_checkout(request, session_id: str):
    """The test provider's checkout page: Pay or Decline run the real fulfilment code."""
    try:
        payment, plan = testprovider.session_target(session_id=session_id, user=request.user)
    except BillingError as exc:
        raise Http404(str(exc)) from exc
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "pay":
                testprovider.pay(session_id=session_id, user=request.user)
            elif action == "decline":
                testprovider.decline(session_id=session_id, user=request.user)
                if payment is not None:
                    messages.error(request, _("The test card was declined; nothing was charged."))
                    return redirect(reverse("billing:checkout_success", args=[payment.pk]))
                return redirect("billing:plans")
        except BillingError as exc:
            messages.error(request, str(exc))
            return redirect(request.path)
        if payment is not None:
            return redirect(reverse("billing:checkout_success", args=[payment.pk]))
        return redirect("billing:subscription_success")
    return render(request, "billing/test_checkout.html", {"payment": payment, "plan": plan})


# --- Webhook ----------------------------------------------------------------------------


@csrf_exempt
@require_POST
def stripe_webhook(request):
    return _webhook_answer(request, connect=False)


@csrf_exempt
@require_POST
def stripe_connect_webhook(request):
    """Events from teachers' connected accounts (Stripe Connect), signed with their own secret."""
    return _webhook_answer(request, connect=True)


def _webhook_answer(request, *, connect: bool):
    try:
        event = gateway.event_verify(
            payload=request.body, signature=request.headers.get("Stripe-Signature", ""), connect=connect
        )
    except BillingError as exc:
        logger.warning("Webhook refused: %s", exc)
        return HttpResponseBadRequest("Invalid webhook request.")
    stored = event_process(event=event)
    if stored.status == WebhookEvent.Status.REJECTED:
        return HttpResponseBadRequest(f"Rejected: {stored.error}")
    if stored.status == WebhookEvent.Status.FAILED:
        return HttpResponse("Failed; please retry.", status=500)
    return HttpResponse(stored.status)


# --- History and receipts ---------------------------------------------------------------


@login_required
def history(request):
    return render(request, "billing/history.html", selectors.student_history(user=request.user))


@login_required
def receipt_download(request, number: int):
    receipt = selectors.receipt_for_viewer(user=request.user, number=number)
    if receipt is None:
        raise Http404
    response = HttpResponse(receipt_pdf(receipt), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{receipt.reference}.pdf"'
    return response


@login_required
def dispute_new(request):
    payment = None
    if request.GET.get("payment") or request.POST.get("payment"):
        payment_id = _int_or_404(request.GET.get("payment") or request.POST.get("payment"))
        payment = selectors.payment_for_user(user=request.user, payment_id=payment_id)
        if payment is None:
            raise Http404
    form = DisputeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.dispute_open(
                user=request.user,
                payment=payment,
                message=form.cleaned_data["message"],
                live_class_reference=form.cleaned_data["live_class_reference"],
            )
        except BillingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Thanks — staff will look into it and tell you the outcome."))
            return redirect("billing:history")
    return render(request, "billing/dispute_form.html", {"form": form, "payment": payment})


# --- Teachers' earnings -----------------------------------------------------------------


def _report_period(request) -> tuple[ReportForm, dt.date, dt.date]:
    form = ReportForm(request.GET or None)
    today = timezone.localdate()
    start, end = today.replace(day=1) - dt.timedelta(days=60), today
    if form.is_valid():
        start = form.cleaned_data.get("start") or start
        end = form.cleaned_data.get("end") or end
    if not form.is_bound:
        form = ReportForm(initial={"start": start, "end": end})
    return form, start, end


@role_required(Role.TEACHER, Role.STAFF)
def earnings(request):
    teacher = request.user
    if request.user.is_platform_staff and request.GET.get("teacher"):
        teacher = get_object_or_404(User, pk=_int_or_404(request.GET["teacher"]), role=Role.TEACHER)
    form, start, end = _report_period(request)
    data = selectors.teacher_earnings(teacher=teacher, start=start, end=end)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="earnings-{start}-{end}.csv"'
        writer = csv.writer(response)
        writer.writerow(["paid_at", "course", "student", "currency", "amount", "refunded", "your_share"])
        for sale in data["sales"]:
            writer.writerow(
                [
                    sale.paid_at.isoformat(),
                    sale.course.title if sale.course_id else "",
                    sale.user.name,
                    sale.currency,
                    sale.amount,
                    sale.amount_refunded,
                    sale.teacher_share,
                ]
            )
        return response
    return render(
        request,
        "billing/earnings.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "teacher": teacher,
            **data,
            **selectors.teacher_payouts(teacher=teacher),
            "test_mode": gateway.test_mode(),
            "lesson_balances": lessons.teacher_lesson_balances(teacher=teacher),
        },
    )


# --- Payouts (Stripe Connect) -----------------------------------------------------------


@role_required(Role.TEACHER)
@require_POST
def payouts_onboard(request):
    """Start (or resume) Stripe Connect onboarding; the provider sends the teacher back."""
    try:
        url = payouts.payout_account_start(teacher=request.user, base_url=_base_url(request))
    except PaymentsNotConfigured:
        return _not_configured(request)
    except BillingError as exc:
        messages.error(request, str(exc))
        return redirect("billing:earnings")
    return redirect(url)


@role_required(Role.TEACHER)
def payouts_return(request):
    """Where onboarding sends the teacher back: ask the provider how it went."""
    try:
        account = payouts.payout_account_refresh(teacher=request.user)
    except BillingError as exc:
        messages.error(request, str(exc))
        return redirect("billing:earnings")
    if account is not None and account.ready:
        messages.success(request, _("Payouts are set up: your earnings will be paid to your Stripe account."))
    elif account is not None:
        messages.info(request, _("Stripe still needs some details before it can pay you; continue when you can."))
    return redirect("billing:earnings")


@role_required(Role.TEACHER)
def payouts_refresh(request):
    """Where Stripe sends a teacher whose onboarding link expired: a fresh link."""
    try:
        url = payouts.payout_account_link(teacher=request.user, base_url=_base_url(request))
    except BillingError as exc:
        messages.error(request, str(exc))
        return redirect("billing:earnings")
    return redirect(url or reverse("billing:earnings"))


@role_required(Role.TEACHER)
def test_onboarding(request):
    """The test provider's stand-in for Stripe's hosted onboarding."""
    account = PayoutAccount.objects.filter(teacher=request.user).first()
    if not gateway.test_mode() or account is None:
        raise Http404
    if request.method == "POST":
        try:
            testprovider.onboarding_complete(teacher=request.user)
        except BillingError as exc:
            messages.error(request, str(exc))
            return redirect(request.path)
        return redirect("billing:payouts_return")
    return render(request, "billing/test_onboarding.html", {"account": account})


# --- Subscriptions ----------------------------------------------------------------------


def plans(request):
    subscriptions = []
    if request.user.is_authenticated:
        subscriptions = list(Subscription.objects.filter(user=request.user).select_related("plan"))
    return render(
        request,
        "billing/plans.html",
        {
            "plans": selectors.active_plans(),
            "subscriptions": subscriptions,
            "subscribed_plan_ids": {s.plan_id for s in subscriptions if s.has_access},
            "test_mode": gateway.test_mode(),
            "payments_configured": gateway.configured(),
        },
    )


@login_required
@require_POST
def subscribe(request, plan_id: int):
    plan = get_object_or_404(Plan, pk=plan_id, is_active=True)
    try:
        url = services.subscription_checkout_start(user=request.user, plan=plan, base_url=_base_url(request))
    except PaymentsNotConfigured:
        return _not_configured(request)
    except BillingError as exc:
        messages.error(request, str(exc))
        return redirect("billing:plans")
    return redirect(url)


@login_required
def subscription_success(request):
    subscriptions = Subscription.objects.filter(user=request.user).select_related("plan")
    active = [s for s in subscriptions if s.has_access]
    context = {"subscriptions": active}
    if request.htmx:
        return render(request, "billing/subscription_success.html#status", context)
    return render(request, "billing/subscription_success.html", context)


@login_required
@require_POST
def portal(request):
    customer = getattr(request.user, "billing_customer", None)
    if customer is None:
        messages.error(request, _("You have no subscriptions to manage yet."))
        return redirect("billing:plans")
    try:
        url = gateway.portal_session_create(
            customer_id=customer.provider_customer_id, return_url=_base_url(request) + reverse("billing:plans")
        )
    except BillingError as exc:
        messages.error(request, str(exc))
        return redirect("billing:plans")
    return redirect(url)


@login_required
def test_portal(request):
    """The test provider's stand-in for Stripe's customer portal: cancel or renew."""
    if not gateway.test_mode():
        raise Http404
    subscriptions = Subscription.objects.filter(user=request.user).exclude(status="canceled").select_related("plan")
    if request.method == "POST":
        subscription = get_object_or_404(subscriptions, pk=_int_or_404(request.POST.get("subscription")))
        try:
            testprovider.set_cancel_at_period_end(
                user=request.user, subscription=subscription, cancel=request.POST.get("action") == "cancel"
            )
        except BillingError as exc:
            messages.error(request, str(exc))
        return redirect("billing:test_portal")
    return render(request, "billing/test_portal.html", {"subscriptions": subscriptions})
