from django.urls import path

from . import attachment_views, dashboard, delegate_views, session_views, triage, views

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
    path("sessions/", session_views.session_list, name="sessions"),
    path("sessions/new/", session_views.session_create_view, name="session_create"),
    path("sessions/<int:pk>/edit/", session_views.session_edit_view, name="session_edit"),
    path("sessions/<int:pk>/open/", session_views.session_open_view, name="session_open"),
    path("sessions/<int:pk>/close/", session_views.session_close_view, name="session_close"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("invitations/", delegate_views.invitation_list, name="invitations"),
    path("mine/", delegate_views.delegate_home, name="mine"),
    path("invitations/<int:pk>/cosign/", delegate_views.invitation_cosign, name="invitation_cosign"),
    path("invitations/<int:pk>/decline/", delegate_views.invitation_decline, name="invitation_decline"),
]
