"""The reviews app's part of the course page (registered in ReviewsConfig.ready)."""

from django.urls import reverse

from reviews import selectors

COURSE_PAGE_REVIEWS = 3


def course_page(request, *, course) -> dict:
    user = request.user
    completed = user.is_authenticated and user.is_student and selectors.has_completed(student=user, course=course)
    reviews = list(selectors.course_reviews(course=course)[:COURSE_PAGE_REVIEWS])
    return {
        "rating": selectors.course_rating(course=course),
        "reviews": reviews,
        "list_url": reverse("reviews:course_list", args=[course.pk]),
        "write_url": reverse("reviews:course_review", args=[course.pk]) if completed else "",
        "own_review": selectors.own_review(student=user, course=course) if completed else None,
    }
