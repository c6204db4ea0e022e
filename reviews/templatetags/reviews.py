"""Review fragments other apps' templates include: the teacher's reviews on their public page,
the "Review your teacher" prompt on a class page, and a rating's figure."""

from django import template
from django.urls import reverse

from lms.formats import babel_locale
from reviews import selectors

register = template.Library()


@register.filter
def rating_average(value) -> str:
    """4.8 with one decimal, in the viewer's language's digits and decimal sign ("4,8")."""
    from babel.numbers import format_decimal

    return format_decimal(value or 0, format="0.0", locale=babel_locale())


@register.simple_tag(takes_context=True)
def teacher_reviews_page(context, teacher, page=1):
    """What reviews/includes/teacher_reviews.html shows: the rating, one page of visible
    reviews, and whether the viewer may reply (the teacher) or report (anyone signed in)."""
    viewer = context["request"].user
    return {
        "subject": teacher,
        "rating": selectors.teacher_rating(teacher=teacher),
        "page": selectors.page_of(selectors.teacher_reviews(teacher=teacher), page),
        "list_url": reverse("reviews:teacher_list", args=[teacher.pk]),
        "can_reply": viewer.is_authenticated and viewer.is_teacher and viewer.pk == teacher.pk,
        "write_url": (
            reverse("reviews:teacher_review", args=[teacher.pk])
            if viewer.is_authenticated and viewer.is_student and selectors.has_attended(student=viewer, teacher=teacher)
            else ""
        ),
    }


@register.inclusion_tag("reviews/includes/class_prompt.html", takes_context=True)
def review_prompt(context, live_class):
    """On a class page: the attended student's way to review the teacher (or their review)."""
    viewer = context["request"].user
    shown = (
        viewer.is_authenticated
        and viewer.is_student
        and selectors.has_attended(student=viewer, teacher=live_class.teacher)
    )
    return {
        "shown": shown,
        "teacher": live_class.teacher,
        "review": selectors.own_review(student=viewer, teacher=live_class.teacher) if shown else None,
    }
