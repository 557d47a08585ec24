"""Mail the workspaces app sends. Rendering lives in templates/workspaces/email/."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from chatsparks.workspaces.models import Invitation
from chatsparks.workspaces.services import token_hash


def invitation_email_send(*, invitation_id: int, token: str, base_url: str) -> str:
    invitation = (
        Invitation.unscoped.select_related("workspace", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    # Revoked, accepted or resent while this waited in the queue: the link is dead.
    if invitation is None or not invitation.is_open or invitation.is_expired:
        return "skipped-closed"
    if invitation.token_hash != token_hash(token):
        return "skipped-superseded"
    join_url = base_url.rstrip("/") + reverse("invitation_join", kwargs={"token": token})
    context = {
        "invitation": invitation,
        "workspace": invitation.workspace,
        "inviter": invitation.invited_by.label if invitation.invited_by else "A teammate",
        "join_url": join_url,
        "expires_at": invitation.expires_at,
    }
    subject = render_to_string("workspaces/email/invitation_subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("workspaces/email/invitation_body.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.email],
    )
    message.attach_alternative(
        render_to_string("workspaces/email/invitation_body.html", context), "text/html"
    )
    message.send()
    return "ok"
