from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reviews"
    verbose_name = _("Reviews")

    def ready(self):
        from lms.infra import panels as slots
        from reviews import panels

        slots.register(
            "course_page", template="reviews/includes/course_reviews.html", context=panels.course_page, order=60
        )
