"""Billing test state, built the way users cause it: a course in the page tree, and
purchases made through the same services and events as production."""

import itertools
import json
from decimal import Decimal

from courses.models import CoursePage, LessonPage, ModulePage
from courses.services import catalog_page_ensure

_n = itertools.count(1)


def site_ensure() -> None:
    """The Wagtail root and home page, which a transactional test's flush removes."""
    from django.conf import settings
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale, Page, Site

    from lms.models import HomePage

    if HomePage.objects.exists():
        return
    Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    home = HomePage(title="Home", slug="home")
    root.add_child(instance=home)
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": home, "site_name": "Lyceum"}
    )


def course_create(*, teacher, price: str = "25.00", currency: str = "GBP", title: str | None = None) -> CoursePage:
    """A published course owned by `teacher`, with one module and two lessons."""
    site_ensure()
    index = catalog_page_ensure()
    n = next(_n)
    course = CoursePage(
        title=title or f"Paid course {n}",
        slug=f"paid-course-{n}",
        summary="A course for billing tests.",
        price=Decimal(price),
        currency=currency,
        owner=teacher,
    )
    index.add_child(instance=course)
    course.teachers.add(teacher)
    course.save_revision(user=teacher).publish()
    module = ModulePage(title="Week 1", slug="week-1", owner=teacher)
    course.add_child(instance=module)
    module.save_revision().publish()
    for i in (1, 2):
        lesson = LessonPage(title=f"Lesson {i}", slug=f"lesson-{i}", owner=teacher)
        module.add_child(instance=lesson)
        lesson.save_revision().publish()
    return CoursePage.objects.get(pk=course.pk)


def checkout_completed_event(payment, *, event_id: str | None = None, **overrides) -> dict:
    """The checkout.session.completed event Stripe sends when `payment`'s checkout is paid."""
    obj = {
        "id": payment.checkout_session_id,
        "object": "checkout.session",
        "mode": "payment",
        "payment_status": "paid",
        "amount_total": payment.amount,
        "currency": payment.currency.lower(),
        "customer": payment.user.billing_customer.provider_customer_id,
        "client_reference_id": str(payment.pk),
        "metadata": {"payment_id": str(payment.pk)},
        "payment_intent": f"pi_{payment.pk}",
    }
    obj.update(overrides)
    return event("checkout.session.completed", obj, event_id=event_id or f"evt_paid_{payment.pk}")


def event(type_: str, obj: dict, *, event_id: str) -> dict:
    return {
        "id": event_id,
        "object": "event",
        "type": type_,
        "api_version": "2024-06-20",
        "created": 1700000000,
        "livemode": False,
        "data": {"object": obj},
    }


def as_json(evt: dict) -> str:
    return json.dumps(evt, separators=(",", ":"))
