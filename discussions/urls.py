from django.urls import path

from discussions import views

app_name = "discussions"

urlpatterns = [
    path("discussions/course/<int:course_id>/", views.course_discussions, name="course"),
    path("discussions/threads/<int:thread_id>/", views.thread, name="thread"),
    path("discussions/threads/<int:thread_id>/posts/", views.posts, name="posts"),
    path("discussions/threads/<int:thread_id>/reply/", views.reply, name="reply"),
    path("discussions/threads/<int:thread_id>/follow/", views.follow, name="follow"),
    path("discussions/threads/<int:thread_id>/moderate/", views.moderate, name="moderate"),
    path("discussions/posts/<int:post_id>/upvote/", views.upvote, name="upvote"),
    path("discussions/posts/<int:post_id>/answer/", views.answer, name="answer"),
    path("discussions/posts/<int:post_id>/hide/", views.hide, name="hide"),
    path("discussions/posts/<int:post_id>/edit/", views.edit, name="edit"),
    path("discussions/posts/<int:post_id>/report/", views.report, name="report"),
]
