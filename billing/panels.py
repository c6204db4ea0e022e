"""Billing's parts of the shared dashboards (registered in BillingConfig.ready)."""

import datetime as dt

from django.utils import timezone

from billing import selectors
from lms.infra import pagecache


def staff_dashboard(request) -> dict | None:
    return selectors.platform_summary(days=30)


def teacher_dashboard(request) -> dict | None:
    today = timezone.localdate()
    report = selectors.revenue_report(
        start=today - dt.timedelta(days=29), end=today, group="month", teacher=request.user
    )
    return {"earnings_totals": report.totals}


def student_dashboard(request) -> dict | None:
    payments = selectors.recent_payments(user=request.user)
    if not payments:
        return None
    return {"recent_payments": payments}


def nav(request) -> dict | None:
    from billing.models import Plan

    # The same answer for everyone, shared until a plan changes (lms/infra/pagecache.py).
    if not pagecache.shared("plans-on-sale", lambda: Plan.objects.filter(is_active=True).exists()):
        return None
    return {}
