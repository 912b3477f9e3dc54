from django.urls import path

from . import attachment_views, triage, views

app_name = "proposals"

urlpatterns = [
    path("", views.proposal_list, name="list"),
    path("new/", views.proposal_create, name="create"),
    path("<int:pk>/", views.proposal_detail, name="detail"),
    path("<int:pk>/edit/", views.proposal_edit, name="edit"),
    path("<int:pk>/cosign/", views.proposal_cosign, name="cosign"),
    path("<int:pk>/invite/", views.proposal_invite, name="invite"),
    path("<int:pk>/attachments/", attachment_views.attachment_upload, name="attachment_upload"),
    path("attachments/<int:pk>/", attachment_views.attachment_download, name="attachment_download"),
    path("<int:pk>/transitions/<str:name>/", views.proposal_transition, name="transition"),
    path("overdue/", views.overdue_board, name="overdue"),
    path("assignments/", views.assignment_list, name="assignments"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path("assignments/<int:pk>/transitions/<str:name>/", views.assignment_transition, name="assignment_transition"),
    path("triage/", triage.triage_queue, name="triage"),
    path("triage/bulk-accept/", triage.triage_bulk_accept, name="triage_bulk_accept"),
]
