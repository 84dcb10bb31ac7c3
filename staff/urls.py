from django.contrib.auth import views as auth_views
from django.urls import path

from approvals.urls import urlpatterns as request_patterns
from staff import overview, views
from staff.forms import LoginForm

app_name = "staff"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=LoginForm
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Issue 11 §3: 「台帳の概要」 — the PR division (every 局) and each head (their own).
    path("overview/", overview.overview_page, name="overview"),
    *request_patterns,
]
