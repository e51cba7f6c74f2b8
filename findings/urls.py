from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("dialogues/<slug:slug>/", views.dialogue_detail, name="dialogue_detail"),
    path(
        "dialogues/<slug:dialogue_slug>/<slug:slug>/",
        views.session_detail,
        name="session_detail",
    ),
]
