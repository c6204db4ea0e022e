from django.urls import path

from courses import views

app_name = "courses"

# The catalog, course and lesson pages are Wagtail pages, served by Wagtail (courses/models.py).
urlpatterns = [
    path("courses/enroll/<int:course_id>/", views.enroll, name="enroll"),
    path("courses/lessons/<int:lesson_id>/complete/", views.lesson_complete, name="lesson_complete"),
    path("courses/lessons/<int:lesson_id>/quiz/", views.quiz_submit, name="quiz_submit"),
    path("courses/teach/<int:course_id>/", views.course_insights, name="course_insights"),
    path("courses/teach/<int:course_id>/students.csv", views.course_students_csv, name="course_students_csv"),
    path("courses/teach/<int:course_id>/cohorts/", views.cohorts, name="cohorts"),
    path("certificates/<str:code>/", views.certificate_verify, name="certificate_verify"),
    path("certificates/<str:code>/download/", views.certificate_download, name="certificate_download"),
]
