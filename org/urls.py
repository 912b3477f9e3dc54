from django.urls import path

from . import people_views, views

app_name = "org"

urlpatterns = [
    path("roster/", views.roster_upload, name="roster_upload"),
    path("roster/<slug:token>/", views.roster_preview, name="roster_preview"),
    path("roster/<slug:token>/confirm/", views.roster_confirm, name="roster_confirm"),
    path("roster/<slug:token>/cancel/", views.roster_cancel, name="roster_cancel"),
    path("people/search/", people_views.people_search, name="people_search"),
]
