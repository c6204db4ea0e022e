from django.urls import path

from chat import views

app_name = "chat"

urlpatterns = [
    path("", views.conversation_list, name="list"),
    path("start/", views.conversation_start, name="start"),
    path("<int:conversation_id>/", views.conversation_detail, name="conversation"),
    path("messages/<int:message_id>/report/", views.message_report, name="report"),
    path("attachments/<int:message_id>/", views.attachment, name="attachment"),
    path("announce/<int:course_id>/", views.announcement_create, name="announce"),
]
