from django.urls import path

from coursework import views

app_name = "coursework"

# An assignment's own page is a Wagtail page (coursework/models.py); these are its actions.
urlpatterns = [
    path("coursework/assignments/<int:assignment_id>/hand-in/", views.hand_in, name="hand_in"),
    path("coursework/submissions/<int:submission_id>/file/", views.submission_file, name="submission_file"),
    path("coursework/submissions/<int:submission_id>/feedback-file/", views.feedback_file, name="feedback_file"),
    path("coursework/submissions/<int:submission_id>/regrade/", views.regrade, name="regrade"),
    path("coursework/teach/<int:course_id>/grading/", views.queue, name="queue"),
    path("coursework/teach/submissions/<int:submission_id>/", views.grade, name="grade"),
    path("coursework/teach/<int:course_id>/gradebook/", views.gradebook, name="gradebook"),
    path("coursework/teach/<int:course_id>/gradebook.csv", views.gradebook_csv, name="gradebook_csv"),
    path("coursework/teach/<int:course_id>/gradebook/override/", views.grade_override, name="grade_override"),
    path("coursework/teach/<int:course_id>/gradebook/scheme/", views.grading_scheme, name="grading_scheme"),
    path("coursework/grades/<int:course_id>/", views.my_grades, name="my_grades"),
    path("coursework/teach/assignments/<int:assignment_id>/release/", views.release, name="release"),
    path("coursework/teach/assignments/<int:assignment_id>/extensions/", views.extension, name="extension"),
    path("coursework/teach/quiz-attempts/<int:attempt_id>/", views.check_answers, name="check_answers"),
]
