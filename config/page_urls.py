"""Site-wide pages mounted at the root: sign-in and sign-out, home, my tasks."""

from django.contrib.auth import views as auth_views
from django.urls import path

from workflow import calendar_views
from workflow import views as workflow_views

from . import views

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html",
            authentication_form=views.SignInForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("tasks/", views.tasks, name="tasks"),
    path("audit/history/", workflow_views.history_check, name="history_check"),
    path("calendar/years/", calendar_views.calendar_years, name="calendar_years"),
    path("calendar/years/<int:year>/", calendar_views.calendar_year, name="calendar_year"),
    path("", views.home, name="home"),
]
