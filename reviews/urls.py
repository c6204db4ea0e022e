from django.urls import path

from reviews import views

app_name = "reviews"

urlpatterns = [
    path("teachers/<int:teacher_id>/", views.teacher_list, name="teacher_list"),
    path("teachers/<int:teacher_id>/write/", views.teacher_review, name="teacher_review"),
    path("courses/<int:course_id>/", views.course_list, name="course_list"),
    path("courses/<int:course_id>/write/", views.course_review, name="course_review"),
    path("<int:review_id>/reply/", views.reply, name="reply"),
    path("<int:review_id>/report/", views.report, name="report"),
]
