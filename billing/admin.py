"""Billing in the staff portal: plans, payments and refunds, disputes, events, the ledger,
and the revenue and payouts reports (custom views under /admin/billing/payment/)."""

import csv
import datetime as dt

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from solo.admin import SingletonModelAdmin

from billing import payouts, selectors, services, webhooks
from billing.exceptions import BillingError
from billing.forms import RefundForm, ReportForm
from billing.models import (
    Customer,
    Dispute,
    LedgerEntry,
    LedgerTransaction,
    LessonCredit,
    LessonSettings,
    Payment,
    Payout,
    PayoutAccount,
    Plan,
    Receipt,
    Refund,
    Subscription,
    WebhookEvent,
)
from billing.money import format_minor


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("name", "interval", "price", "provider_price_id", "is_active", "course_count")
    list_filter = ("interval", "is_active")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("courses",)
    search_fields = ("name",)

    @admin.display(description=gettext_lazy("Price"))
    def price(self, plan):
        return plan.price_display

    @admin.display(description=gettext_lazy("Courses"))
    def course_count(self, plan):
        return plan.courses.count()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Subscribers gain (or lose) the courses added to (or removed from) the plan.
        for subscription in Subscription.objects.filter(plan=form.instance, has_access=True):
            services.subscription_access_sync(subscription=subscription)


class RefundInline(ReadOnlyMixin, admin.TabularInline):
    model = Refund
    extra = 0
    fields = ("created_at", "amount_display", "provider_refund_id", "reason", "created_by")
    readonly_fields = fields


@admin.action(description=gettext_lazy("Refund selected payments in full"))
def refund_in_full(modeladmin, request, queryset):
    done = 0
    for payment in queryset:
        try:
            services.payment_refund(
                payment=payment, amount=payment.refundable_amount, actor=request.user, reason="Full refund by staff"
            )
            done += 1
        except BillingError as exc:
            modeladmin.message_user(
                request, _("Payment #{number}: {error}").format(number=payment.pk, error=exc), messages.ERROR
            )
    if done:
        modeladmin.message_user(
            request,
            ngettext("Refunded {count} payment in full.", "Refunded {count} payments in full.", done).format(
                count=done
            ),
            messages.SUCCESS,
        )


refund_in_full.allowed_permissions = ("change",)
refund_in_full.audited = True  # payment_refund writes one audit entry per refund


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "created_at",
        "user",
        "what",
        "amount_col",
        "refunded_col",
        "status",
        "provider",
        "refund_link",
    )
    list_filter = ("status", "kind", "provider", "currency")
    search_fields = (
        "user__email",
        "course__title",
        "payment_intent_id",
        "checkout_session_id",
        "charge_id",
        "invoice_id",
    )
    date_hierarchy = "created_at"
    raw_id_fields = ("user", "teacher", "course", "subscription")
    readonly_fields = [f.name for f in Payment._meta.fields]
    inlines = [RefundInline]
    actions = [refund_in_full]
    change_list_template = "billing/admin/payment_change_list.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("For"))
    def what(self, payment):
        return payment.description

    @admin.display(description=gettext_lazy("Amount"), ordering="amount")
    def amount_col(self, payment):
        return payment.amount_display

    @admin.display(description=gettext_lazy("Refunded"))
    def refunded_col(self, payment):
        return format_minor(payment.amount_refunded, payment.currency) if payment.amount_refunded else "—"

    @admin.display(description="")
    def refund_link(self, payment):
        if not payment.refundable_amount:
            return ""
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:billing_payment_refund", args=[payment.pk]), _("Refund…")
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:payment_id>/refund/", wrap(self.refund_view), name="billing_payment_refund"),
            path("revenue/", wrap(self.revenue_view), name="billing_revenue"),
            path("payouts/", wrap(self.payouts_view), name="billing_payouts"),
            *super().get_urls(),
        ]

    def refund_view(self, request, payment_id: int):
        if not self.has_change_permission(request):
            raise PermissionDenied
        payment = get_object_or_404(Payment.objects.select_related("user", "course"), pk=payment_id)
        form = RefundForm(request.POST or None, payment=payment)
        if request.method == "POST" and form.is_valid():
            try:
                services.payment_refund(
                    payment=payment,
                    amount=form.cleaned_data["amount"],
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except BillingError as exc:
                form.add_error(None, str(exc))
            else:
                self.message_user(request, _("Refund sent to the payment provider."), messages.SUCCESS)
                return redirect("admin:billing_payment_change", payment.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Refund payment #{number}").format(number=payment.pk),
            "payment": payment,
            "form": form,
            "refundable": format_minor(payment.refundable_amount, payment.currency),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "billing/admin/refund.html", context)

    def _period(self, request):
        form = ReportForm(request.GET or None)
        today = timezone.localdate()
        start, end, group = today - dt.timedelta(days=29), today, "day"
        if form.is_valid():
            start = form.cleaned_data.get("start") or start
            end = form.cleaned_data.get("end") or end
            group = form.cleaned_data.get("group") or group
        if not form.is_bound:
            form = ReportForm(initial={"start": start, "end": end, "group": group})
        return form, start, end, group

    def revenue_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form, start, end, group = self._period(request)
        report = selectors.revenue_report(start=start, end=end, group=group)
        if request.GET.get("format") == "csv":
            response = HttpResponse(content_type="text/csv")
            response["Content-Disposition"] = f'attachment; filename="revenue-{group}-{start}-{end}.csv"'
            writer = csv.writer(response)
            writer.writerow([group, "currency", "gross", "refunds", "fees", "net", "teacher_share", "platform_fees"])
            for row in [*report.rows, *report.totals]:
                writer.writerow(
                    [
                        row.label,
                        row.currency,
                        *(
                            f"{v / 100:.2f}"
                            for v in (row.gross, row.refunds, row.fees, row.net, row.teacher_share, row.platform_fees)
                        ),
                    ]
                )
            return response
        currencies = sorted({r.currency for r in report.rows})
        charts = [
            {"currency": c, **selectors.bar_chart([r for r in report.rows if r.currency == c])} for c in currencies
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Revenue report"),
            "group_label": selectors.GROUPS[report.group],
            "form": form,
            "report": report,
            "charts": charts,
            "csv_query": request.GET.urlencode(),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "billing/admin/revenue.html", context)

    def payouts_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form, start, end, _group = self._period(request)
        rows = selectors.payouts_report(start=start, end=end)
        if request.GET.get("format") == "csv":
            response = HttpResponse(content_type="text/csv")
            response["Content-Disposition"] = f'attachment; filename="payouts-{start}-{end}.csv"'
            writer = csv.writer(response)
            writer.writerow(["teacher", "email", "currency", "earned", "reversed", "net_for_period", "balance_owed"])
            for row in rows:
                writer.writerow(
                    [
                        row["teacher"].name,
                        row["teacher"].email,
                        row["currency"],
                        *(f"{row[k] / 100:.2f}" for k in ("earned", "reversed", "net", "balance")),
                    ]
                )
            return response
        context = {
            **self.admin_site.each_context(request),
            "title": _("Teacher payouts"),
            "form": form,
            "rows": rows,
            "start": start,
            "end": end,
            "csv_query": request.GET.urlencode(),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "billing/admin/payouts.html", context)


@admin.register(Refund)
class RefundAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("created_at", "payment", "amount_display", "provider_refund_id", "created_by", "reason")
    search_fields = ("payment__user__email", "provider_refund_id")
    date_hierarchy = "created_at"


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("reference", "issued_at", "payment", "emailed_at", "download")
    search_fields = ("payment__user__email",)

    @admin.display(description=gettext_lazy("PDF"))
    def download(self, receipt):
        return format_html(
            '<a href="{}">{}</a>', reverse("billing:receipt_download", args=[receipt.number]), _("Download")
        )


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("user", "plan", "status", "has_access", "current_period_end", "cancel_at_period_end", "grace_until")
    list_filter = ("status", "has_access", "plan")
    search_fields = ("user__email", "provider_subscription_id")


@admin.register(Customer)
class CustomerAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("user", "provider_customer_id", "created_at")
    search_fields = ("user__email", "provider_customer_id")


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ("id", "created_at", "user", "source", "subject", "payment", "status", "assignee")
    list_filter = ("status", "source", "subject", ("assignee", admin.RelatedOnlyFieldListFilter))
    search_fields = ("user__email", "message", "provider_dispute_id")
    date_hierarchy = "created_at"
    raw_id_fields = ("user", "payment")
    fieldsets = (
        (gettext_lazy("Case"), {"fields": ("user", "source", "subject", "payment", "live_class_reference", "message")}),
        (gettext_lazy("From Stripe"), {"fields": ("provider_dispute_id", "amount", "currency", "reason")}),
        (gettext_lazy("Work"), {"fields": ("status", "assignee", "staff_notes", "resolution")}),
        (gettext_lazy("Dates"), {"fields": ("created_at", "updated_at", "closed_at", "outcome_notified_at")}),
    )

    def get_readonly_fields(self, request, obj=None):
        readonly = [
            "created_at",
            "updated_at",
            "closed_at",
            "outcome_notified_at",
            "provider_dispute_id",
            "amount",
            "currency",
            "reason",
        ]
        if obj is not None:
            readonly += ["user", "source", "subject", "payment", "live_class_reference", "message"]
        return readonly

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Closing a case (won, lost, resolved, rejected) tells the student, once.
        services.dispute_outcome_notify(dispute=obj)


class LedgerEntryInline(ReadOnlyMixin, admin.TabularInline):
    model = LedgerEntry
    extra = 0
    fields = ("account", "teacher", "amount", "currency")
    readonly_fields = fields


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("occurred_at", "kind", "key", "description", "course", "teacher")
    list_filter = ("kind",)
    search_fields = ("key", "description")
    date_hierarchy = "occurred_at"
    inlines = [LedgerEntryInline]


@admin.action(description=gettext_lazy("Process selected events again"))
def events_reprocess(modeladmin, request, queryset):
    for event in queryset.exclude(status__in=[WebhookEvent.Status.PROCESSED, WebhookEvent.Status.IGNORED]):
        WebhookEvent.objects.filter(pk=event.pk).update(status=WebhookEvent.Status.RECEIVED)
        webhooks.event_process(event=event.payload)
    modeladmin.message_user(request, _("Done; see each event's status."), messages.INFO)


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("received_at", "type", "event_id", "status", "attempts", "error")
    list_filter = ("status", "type")
    search_fields = ("event_id", "type")
    date_hierarchy = "received_at"
    actions = [events_reprocess]

    def has_change_permission(self, request, obj=None):
        # The action needs change permission; the form itself stays read-only.
        return obj is None and request.user.is_active and request.user.is_staff

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in WebhookEvent._meta.fields]


@admin.action(description=gettext_lazy("Pay out the payable balance of the selected teachers now"))
def payouts_run_now(modeladmin, request, queryset):
    sent = []
    for account in queryset.select_related("teacher"):
        try:
            sent += payouts.payouts_run(teacher=account.teacher)
        except BillingError as exc:
            modeladmin.message_user(request, f"{account.teacher}: {exc}", messages.ERROR)
    paid = [p for p in sent if p.status == Payout.Status.PAID]
    modeladmin.message_user(
        request,
        ngettext("{count} payout sent.", "{count} payouts sent.", len(paid)).format(count=len(paid)),
        messages.SUCCESS if paid else messages.INFO,
    )


payouts_run_now.allowed_permissions = ("payout",)


@admin.register(PayoutAccount)
class PayoutAccountAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("teacher", "provider_account_id", "details_submitted", "payouts_enabled", "status_as_of")
    list_filter = ("details_submitted", "payouts_enabled")
    search_fields = ("teacher__email", "teacher__display_name", "provider_account_id")
    actions = [payouts_run_now]

    def has_payout_permission(self, request):
        # Platform staff may send what is owed (the run only ever pays the ledger's balance).
        return request.user.is_active and (request.user.is_superuser or request.user.is_platform_staff)


@admin.register(Payout)
class PayoutAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("id", "created_at", "teacher", "amount_display", "status", "paid_at", "provider_transfer_id")
    list_filter = ("status", "currency")
    search_fields = ("teacher__email", "teacher__display_name", "provider_transfer_id", "idempotency_key")
    date_hierarchy = "created_at"


# --- Paid live lessons ------------------------------------------------------------------


@admin.register(LessonSettings)
class LessonSettingsAdmin(SingletonModelAdmin):
    """The cancellation policy and the commission on live lessons (one row)."""

    fieldsets = (
        (gettext_lazy("Cancellation policy"), {"fields": ("free_cancel_hours", "late_refund_percent")}),
        (gettext_lazy("Earnings"), {"fields": ("commission_percent", "earnings_hold_hours")}),
    )


@admin.register(LessonCredit)
class LessonCreditAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("student", "teacher", "minutes", "remaining", "total", "is_trial", "created_at")
    list_filter = ("is_trial",)
    search_fields = ("student__email", "teacher__email")
    raw_id_fields = ("student", "teacher", "payment")
