"""The REST API, mounted at /api/: version 1 under v1/, the OpenAPI schema and its docs."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from notifications.api import NotificationViewSet
from org.api import DepartmentViewSet, MeView, TaskListView, TokenView
from proposals.api import AssignmentViewSet, CategoryViewSet, ProposalViewSet, SessionViewSet
from welfare.api import (
    MedicalClaimViewSet,
    SensitiveAccessViewSet,
    WelfareAttachmentViewSet,
    WelfareRequestViewSet,
)
from welfare.payout_api import WelfarePayoutsView
from welfare.publicity_api import WelfarePublicityViewSet
from welfare.recuperation_api import RecuperationBatchViewSet, RecuperationQuotaViewSet
from workflow.calendar_api import CalendarYearViewSet

from .api import not_found

router = SimpleRouter()
router.register("proposals", ProposalViewSet, basename="proposal")
router.register("assignments", AssignmentViewSet, basename="assignment")
router.register("sessions", SessionViewSet, basename="session")
router.register("categories", CategoryViewSet, basename="category")
router.register("departments", DepartmentViewSet, basename="department")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("welfare-requests", WelfareRequestViewSet, basename="welfare-request")
router.register("welfare-access-log", SensitiveAccessViewSet, basename="welfare-access")
router.register("welfare-attachments", WelfareAttachmentViewSet, basename="welfare-attachment")
router.register("medical-claims", MedicalClaimViewSet, basename="medical-claim")
router.register("welfare-publicity", WelfarePublicityViewSet, basename="welfare-publicity")
router.register("recuperation-quotas", RecuperationQuotaViewSet, basename="recuperation-quota")
router.register("recuperation-batches", RecuperationBatchViewSet, basename="recuperation-batch")
router.register("calendar/years", CalendarYearViewSet, basename="calendar-year")

v1 = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("me/", MeView.as_view(), name="me"),
    path("tasks/", TaskListView.as_view(), name="tasks"),
    path("welfare-payouts/", WelfarePayoutsView.as_view(), name="welfare-payouts"),
    *router.urls,
]

urlpatterns = [
    path("v1/", include((v1, "api"), namespace="api")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # Anything else under /api/ is a 404 in the API's own error shape. Only paths ending in a
    # slash, so CommonMiddleware still redirects a missing trailing slash first. [\s\S]: a
    # percent-encoded newline in the path is part of it too.
    re_path(r"^([\s\S]*/)?$", not_found),
]
