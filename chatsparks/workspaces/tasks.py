from celery import shared_task

from chatsparks.workspaces import emails, services


# Not acks_late: a worker lost mid-send would mail the invitation twice.
@shared_task(name="workspaces.invitation_email_send")
def invitation_email_send(*, invitation_id: int, token: str, base_url: str) -> str:
    return emails.invitation_email_send(invitation_id=invitation_id, token=token, base_url=base_url)


@shared_task(name="workspaces.invitations_purge_stale", acks_late=True, reject_on_worker_lost=True)
def invitations_purge_stale() -> str:
    return f"purged {services.invitations_purge_stale_unscoped()}"
