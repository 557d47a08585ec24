from celery import shared_task

from chatsparks.workspaces import emails, services


@shared_task(name="workspaces.invitation_email_send", acks_late=True)
def invitation_email_send(*, invitation_id: int, token: str, base_url: str) -> str:
    return emails.invitation_email_send(invitation_id=invitation_id, token=token, base_url=base_url)


@shared_task(name="workspaces.invitations_purge_stale")
def invitations_purge_stale() -> str:
    return f"purged {services.invitations_purge_stale_unscoped()}"
