from django.urls import path

from impersonation.views import staff

app_name = "staff_impersonation"

urlpatterns = [
    path("", staff.queue, name="queue"),
    path("new/", staff.record, name="record"),
    path("reports/<int:pk>/dismiss/", staff.dismiss, name="dismiss"),
    path("<int:pk>/resolve/", staff.resolve, name="resolve"),
    path("<int:pk>/takedown/", staff.takedown, name="takedown"),
    path("reports/<int:pk>/reply/", staff.reply, name="reply"),
]
