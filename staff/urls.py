from django.contrib.auth import views as auth_views
from django.urls import path

from approvals.urls import urlpatterns as request_patterns
from staff import views
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
    *request_patterns,
]
