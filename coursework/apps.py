from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CourseworkConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coursework"
    verbose_name = _("Coursework")

    def ready(self):
        from courses import services as course_services
        from coursework import panels
        from coursework.calendar import deadline_events
        from coursework.gradebook import grade_requirement_met
        from live import calendar as live_calendar
        from lms.infra import panels as slots

        # A course's minimum grade for its certificate; deadlines in each student's calendar feed.
        if grade_requirement_met not in course_services.COMPLETION_REQUIREMENTS:
            course_services.COMPLETION_REQUIREMENTS.append(grade_requirement_met)
        if deadline_events not in live_calendar.FEED_SOURCES:
            live_calendar.FEED_SOURCES.append(deadline_events)
        slots.register(
            "student_dashboard", template="coursework/_up_next_panel.html", context=panels.student_dashboard, order=5
        )
