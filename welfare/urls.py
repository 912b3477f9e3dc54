from django.urls import path

from . import (
    attachment_views,
    audit_views,
    claim_views,
    figure_views,
    payout_views,
    publicity_views,
    recuperation_views,
    views,
)

app_name = "welfare"

urlpatterns = [
    path("mine/", views.my_requests, name="mine"),
    path("new/", views.welfare_create, name="create"),
    path("review/", views.review_queue, name="review_queue"),
    path("queue/", views.office_queue, name="office_queue"),
    path("<int:pk>/", views.welfare_detail, name="detail"),
    path("<int:pk>/transitions/<str:name>/", views.welfare_transition, name="transition"),
    # 敏感信息查看记录: the auditor's page of the access log.
    path("access-log/", audit_views.access_log, name="access_log"),
    # Confidential files and children's medical claims.
    path("<int:pk>/attachments/", attachment_views.attachment_upload, name="attachment_upload"),
    path("attachments/<int:pk>/", attachment_views.attachment_download, name="attachment_download"),
    path("<int:pk>/claims/", claim_views.claim_file, name="claim_file"),
    path("claims/", claim_views.claims_queue, name="claims_queue"),
    path("claims/<int:pk>/decide/", claim_views.claim_decide, name="claim_decide"),
    # 公示: hardship requests in their publicity period, and objections to them.
    path("publicity/", publicity_views.publicity_list, name="publicity"),
    path("<int:pk>/objections/", publicity_views.objection_raise, name="objection_raise"),
    path("objections/<int:oid>/resolve/", publicity_views.objection_resolve, name="objection_resolve"),
    # 福利发放清单, the office queue as xlsx, the yearly figures (the dashboard's welfare tab).
    path("payouts/", payout_views.payouts_page, name="payouts"),
    path("payouts.xlsx", payout_views.payouts_xlsx, name="payouts_xlsx"),
    path("queue.xlsx", payout_views.queue_xlsx, name="queue_xlsx"),
    path("figures/", figure_views.figures_page, name="figures"),
    # 疗休养名额与批次, 慰问标准: the union office's settings (auditors and admins read them).
    path("recuperation/", recuperation_views.recuperation_plan, name="recuperation"),
    path("recuperation/quotas/", recuperation_views.quota_create, name="recuperation_quota_create"),
    path("recuperation/quotas/<int:year>/", recuperation_views.quota_edit, name="recuperation_quota_edit"),
    path("recuperation/batches/", recuperation_views.batch_create, name="recuperation_batch_create"),
    path("recuperation/batches/<int:pk>/", recuperation_views.batch_edit, name="recuperation_batch_edit"),
    path("standards/", recuperation_views.visit_standards, name="standards"),
    path("standards/<str:reason>/", recuperation_views.visit_standard_edit, name="standard_edit"),
]
