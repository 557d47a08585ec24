from django.urls import path

from helpdesk import views

app_name = "helpdesk"

_settings = "w/<str:workspace_id>/settings/helpdesk/"

urlpatterns = [
    path(_settings, views.forwarding_settings, name="settings"),
    path(_settings + "test-email/", views.sample_email, name="sample_email"),
    # The email provider's inbound route posts here (no workspace in the URL: the reply
    # address in the email names the conversation, and is verified).
    path("webhooks/email/mailgun/inbound_mime/", views.inbound_mailgun, name="inbound_mailgun"),
]
