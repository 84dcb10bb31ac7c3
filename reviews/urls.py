"""Staff pages of reviews (namespace staff_reviews, under /staff/reviews/)."""

from django.urls import path

from reviews import views

app_name = "staff_reviews"

urlpatterns = [
    path("stale/", views.stale_list, name="stale"),
    path("accounts/<int:pk>/", views.review, name="review"),
    path("accounts/<int:pk>/credentials/", views.credentials, name="credentials"),
    path("accounts/<int:pk>/last-activity/", views.last_activity, name="last_activity"),
]
