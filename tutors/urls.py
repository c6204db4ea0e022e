from django.urls import path

from tutors import views

app_name = "tutors"

urlpatterns = [
    path("offer/", views.offer, name="offer"),
    path("offer/packages/", views.package_add, name="package_add"),
    path("offer/packages/<int:package_id>/remove/", views.package_remove, name="package_remove"),
    path("credentials/", views.credentials, name="credentials"),
    path("credentials/<int:credential_id>/file/", views.credential_file, name="credential_file"),
]

# Outside the `tutors:` namespace: the public page keeps its name everywhere it is linked.
public_urlpatterns = [
    path("teachers/", views.teacher_list, name="teacher_list"),
    path("teachers/<slug:slug>/", views.teacher_profile, name="teacher_profile"),
]
