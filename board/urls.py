from django.urls import path

from board import views

app_name = "board"

urlpatterns = [
    path("", views.post_list, name="list"),
    path("new/", views.post_create, name="new"),
    path("<int:post_id>/", views.post_detail, name="detail"),
    path("<int:post_id>/apply/", views.application_submit, name="apply"),
    path("<int:post_id>/withdraw/", views.application_withdraw, name="withdraw"),
    path("<int:post_id>/close/", views.post_close, name="close"),
    path("<int:post_id>/applicants/", views.applicants, name="applicants"),
    path("applications/<int:application_id>/accept/", views.application_accept, name="accept"),
]
