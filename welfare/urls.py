from django.urls import path

from . import views

app_name = "welfare"

urlpatterns = [
    path("mine/", views.my_requests, name="mine"),
    path("new/", views.welfare_create, name="create"),
    path("review/", views.review_queue, name="review_queue"),
    path("queue/", views.office_queue, name="office_queue"),
    path("<int:pk>/", views.welfare_detail, name="detail"),
    path("<int:pk>/transitions/<str:name>/", views.welfare_transition, name="transition"),
]
