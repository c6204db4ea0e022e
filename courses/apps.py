from django.apps import AppConfig, apps
from django.db.models.signals import post_delete, post_migrate, post_save


def _site_setup(sender=None, **kwargs) -> None:
    # Like lms.roles: act once, on the last app's signal, when every permission exists
    # (and after lms has created the role groups — its receiver is connected first).
    if sender is not None and sender is not [a for a in apps.get_app_configs() if a.models_module][-1]:
        return
    from courses.services import course_permissions_ensure

    course_permissions_ensure()


class CoursesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "courses"

    def ready(self):
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from courses import panels
        from lms import pagecache
        from lms import panels as slots

        post_migrate.connect(_site_setup, dispatch_uid="courses.site_setup")
        # Anonymous catalog and course pages are cached; any publish, unpublish or move of
        # a page starts a new cache generation (the course outlines are cached by it too).
        page_published.connect(pagecache.site_changed, dispatch_uid="courses.cache_published")
        page_unpublished.connect(pagecache.site_changed, dispatch_uid="courses.cache_unpublished")
        post_page_move.connect(pagecache.site_changed, dispatch_uid="courses.cache_moved")
        for model in ("CourseIndexPage", "CoursePage", "ModulePage", "LessonPage"):
            post_delete.connect(
                pagecache.site_changed, sender=f"courses.{model}", dispatch_uid=f"courses.cache_{model}"
            )
        # Cached lesson bodies show images and documents; sites and view restrictions are cached too.
        from wagtail.documents import get_document_model_string
        from wagtail.images import get_image_model_string

        senders = (
            "wagtailcore.Site",
            "wagtailcore.PageViewRestriction",
            get_document_model_string(),
            get_image_model_string(),
        )
        for sender in senders:
            for signal in (post_save, post_delete):
                signal.connect(
                    pagecache.site_changed, sender=sender, dispatch_uid=f"courses.cache_{sender}_{signal is post_save}"
                )
        # A student's own cached progress, enrollments, quiz attempts and certificates.
        for model in ("Enrollment", "LessonProgress", "QuizAttempt", "Certificate"):
            for signal in (post_save, post_delete):
                signal.connect(
                    pagecache.user_row_changed("student_id"),
                    sender=f"courses.{model}",
                    dispatch_uid=f"courses.user_{signal is post_save}_{model}",
                    weak=False,
                )

        slots.register(
            "student_dashboard", template="courses/_student_panel.html", context=panels.student_dashboard, order=10
        )
        slots.register(
            "teacher_dashboard", template="courses/_teacher_panel.html", context=panels.teacher_dashboard, order=10
        )
