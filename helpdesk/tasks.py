from celery import shared_task

from helpdesk import forwarding, replies
from helpdesk.models import EmailReply


@shared_task(name="helpdesk.mail_due")
def mail_due() -> str:
    """Beat, every 30 seconds: forwarded emails whose window has ended (or whose retry is
    due), emails a lost worker left sending, and bounces still waiting to go out."""
    forwarded = forwarding.forwarded_emails_send_due_unscoped()
    bounced = [
        replies.email_reply_bounce_send(workspace_id=workspace_id, reply_id=reply_id)
        for workspace_id, reply_id in replies.email_reply_bounces_due_unscoped()
    ]
    return f"{forwarded}; bounces {bounced.count('sent')}/{len(bounced)}"


@shared_task(name="helpdesk.email_reply_bounce")
def email_reply_bounce(*, workspace_id: int, reply_id: int) -> str:
    if not EmailReply.objects.for_workspace(workspace_id).filter(pk=reply_id).exists():
        return "skipped-missing"
    return replies.email_reply_bounce_send(workspace_id=workspace_id, reply_id=reply_id)
