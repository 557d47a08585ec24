"""The helpdesk panel on a conversation, Settings → Helpdesk forwarding, and the endpoint the
email provider posts replies to. Thin: each parses, calls one service or selector, renders."""

import logging

from anymail.utils import get_anymail_setting
from anymail.webhooks.mailgun import MailgunInboundWebhookView
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from chatsparks.workspaces.roles import Permission
from chatsparks.workspaces.scope import WorkspaceRequest, workspace_view
from helpdesk import addresses, selectors, services
from helpdesk.forms import ForwardingSettingsForm
from helpdesk.models import WINDOW_DEFAULT_MINUTES
from inbox.models import Conversation, Send

log = logging.getLogger(__name__)


def conversation_helpdesk_panel(request: HttpRequest, conversation: Conversation) -> SafeString:
    """The inbox's side panel (registered in ``HelpdeskConfig.ready``): every email forwarded
    from this conversation and every emailed reply, each with its delivery state."""
    forwarded = list(selectors.conversation_forwarded_emails(conversation=conversation)[:20])
    replies = list(selectors.conversation_email_replies(conversation=conversation)[:20])
    active = selectors.forwarding_settings_active(workspace=conversation.workspace_id)
    forwarding_here = active is not None and conversation.channel == Conversation.Channel.SHOP_CHAT
    if not (forwarded or replies or forwarding_here):
        return mark_safe("")
    send_ids = [send_id for reply in replies for send_id in reply.send_ids]
    sends = {
        send.pk: send
        for send in Send.objects.for_workspace(conversation.workspace_id).filter(pk__in=send_ids)
    }
    reply_rows = [
        (reply, [sends[send_id] for send_id in reply.send_ids if send_id in sends])
        for reply in replies
    ]
    return mark_safe(  # noqa: S308 - a rendered, auto-escaped template
        render_to_string(
            "helpdesk/_conversation_panel.html",
            {
                "forwarded": forwarded,
                "reply_rows": reply_rows,
                "forwarding": active if forwarding_here else None,
            },
            request=request,
        )
    )


@workspace_view(Permission.MANAGE_INTEGRATIONS)
@require_http_methods(["GET", "POST"])
def forwarding_settings(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    current = selectors.forwarding_settings_get(workspace=workspace)
    if request.method == "POST":
        form = ForwardingSettingsForm(request.POST)
        if form.is_valid():
            services.forwarding_settings_save(
                workspace=workspace, actor=request.user, **form.cleaned_data
            )
            messages.success(request, "Helpdesk forwarding saved.")
            return redirect("helpdesk:settings", workspace_id=workspace.public_id)
    else:
        form = ForwardingSettingsForm(
            initial={
                "enabled": current.enabled if current else False,
                "address": current.address if current else "",
                "window_minutes": current.window_minutes if current else WINDOW_DEFAULT_MINUTES,
            }
        )
    address = current.address if current else ""
    return render(
        request,
        "helpdesk/settings.html",
        {
            "form": form,
            "current": current,
            "replies_by_email": bool(addresses.inbound_domain()),
            "address_member": selectors.member_for_address(workspace=workspace, address=address)
            if address
            else None,
        },
    )


@workspace_view(Permission.MANAGE_INTEGRATIONS)
@require_POST
def sample_email(request: WorkspaceRequest) -> HttpResponse:
    current = selectors.forwarding_settings_get(workspace=request.workspace)
    if current is None or not current.address:
        messages.error(request, "Save a helpdesk address first.")
    else:
        try:
            services.sample_email_send(workspace=request.workspace, to_address=current.address)
        except services.SampleEmailFailed as error:
            messages.error(request, f"The test email could not be sent: {error}")
        else:
            messages.success(request, f"A test email is on its way to {current.address}.")
    return redirect("helpdesk:settings", workspace_id=request.workspace.public_id)


_mailgun_inbound = MailgunInboundWebhookView.as_view()


def inbound_configured() -> bool:
    """Replies by email need somewhere to receive them and both of the provider's secrets:
    the basic-auth credentials anymail checks on every webhook (``ANYMAIL["WEBHOOK_SECRET"]``)
    and Mailgun's signing key, which anymail checks the HMAC of each post against."""
    secret = get_anymail_setting("webhook_secret", default="")
    signing_key = get_anymail_setting("webhook_signing_key", esp_name="Mailgun", default="")
    return bool(addresses.inbound_domain() and secret and signing_key)


@csrf_exempt
def inbound_mailgun(request: HttpRequest) -> HttpResponse:
    """Mailgun's inbound route (``forward()`` to this URL, whose "mime" makes Mailgun post the
    raw message). django-anymail verifies the post and hands the parsed email to
    ``helpdesk.replies.anymail_inbound`` through its ``inbound`` signal: to take replies
    through another provider, mount that provider's anymail inbound view instead. Fails
    closed: unconfigured, the endpoint does not exist, rather than taking unsigned mail."""
    if not inbound_configured():
        log.warning("inbound email endpoint called but not configured; answered 404")
        raise Http404("Not configured.")
    try:
        return _mailgun_inbound(request)
    except RequestDataTooBig:
        # Over DATA_UPLOAD_MAX_MEMORY_SIZE: only attachments make a reply this big, and it
        # could not be sent anyway. 406 is Mailgun's "do not retry" (any other error is
        # retried for hours); unread, it cannot be verified, so it is not answered either.
        log.warning("inbound email over the upload limit refused unread (406)")
        return HttpResponse("Too large.", status=406)
