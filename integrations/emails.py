"""Telling owners about a connection only they can fix (templates in integrations/email/)."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from chatsparks.workspaces.selectors import owner_emails
from integrations.models import Connection


def owners_notify(*, connection_id: int, kind: str) -> str:
    """``kind``: ``reauthorization_needed`` or ``authorization_expiring``."""
    connection = Connection.unscoped.select_related("workspace").filter(pk=connection_id).first()
    if connection is None:
        return "skipped-missing"
    recipients = owner_emails(workspace=connection.workspace_id)
    if not recipients:
        return "skipped-no-owner"
    context = {
        "connection": connection,
        "workspace": connection.workspace,
        "url": settings.PUBLIC_BASE_URL.rstrip("/")
        + reverse("integrations:index", kwargs={"workspace_id": connection.workspace.public_id}),
    }
    send_mail(
        subject=render_to_string(f"integrations/email/{kind}_subject.txt", context).strip(),
        message=render_to_string(f"integrations/email/{kind}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )
    return f"sent to {len(recipients)}"
