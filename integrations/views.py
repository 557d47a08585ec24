"""Settings → Integrations: the cards, connect, the OAuth callback, disconnect."""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from chatsparks.workspaces.roles import Permission, role_allows
from chatsparks.workspaces.scope import SESSION_LAST_WORKSPACE, WorkspaceRequest, workspace_view
from integrations import oauth, selectors, services
from integrations.models import Provider


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _allowing_authorize_pages(response: HttpResponse) -> HttpResponse:
    """The Connect buttons POST here and we redirect to TikTok's authorize page; browsers
    apply ``form-action`` to that redirect, so these pages name TikTok's hosts in it. The hosts
    come from settings at request time; this is what ``csp_override`` sets, made dynamic."""
    policy: dict[str, Any] = dict(settings.SECURE_CSP)
    policy["form-action"] = [
        *policy.get("form-action", []),
        _origin(settings.TIKTOK_AUTHORIZE_BASE_URL),
        _origin(settings.TIKTOK_SHOP_AUTHORIZE_BASE_URL),
    ]
    response._csp_config = policy  # type: ignore[attr-defined]
    return response


def _cards_context(request: WorkspaceRequest) -> dict[str, object]:
    return {
        "cards": selectors.integration_cards(workspace=request.workspace),
        "can_manage": role_allows(request.membership.role, Permission.MANAGE_INTEGRATIONS),
    }


@workspace_view()
@require_GET
def index(request: WorkspaceRequest) -> HttpResponse:
    return _allowing_authorize_pages(
        render(request, "integrations/index.html", _cards_context(request))
    )


@workspace_view()
@require_GET
def cards(request: WorkspaceRequest) -> HttpResponse:
    """The cards alone, polled by htmx so statuses change without a reload."""
    return render(request, "integrations/_cards.html", _cards_context(request))


@workspace_view(Permission.MANAGE_INTEGRATIONS)
@require_POST
def connect(request: WorkspaceRequest, provider: str) -> HttpResponse:
    if provider not in Provider.values:
        raise Http404("No such platform.")
    if not request.session.session_key:
        request.session.save()
    url = oauth.connect_start(
        workspace=request.workspace,
        user=request.user,
        session_key=request.session.session_key or "",
        provider=provider,
        redirect_uri=request.build_absolute_uri(
            reverse("integrations_callback", kwargs={"provider": provider})
        ),
    )
    return redirect(url)


@workspace_view(Permission.MANAGE_INTEGRATIONS)
@require_POST
def disconnect(request: WorkspaceRequest, connection_id: int) -> HttpResponse:
    connection = selectors.connection_get(workspace=request.workspace, connection_id=connection_id)
    if connection is None:
        raise Http404("No such connection.")
    services.connection_disconnect(connection=connection, actor=request.user)
    messages.success(
        request,
        f"Disconnected {connection}. Automations on it are paused; your inbox, contacts and "
        "analytics are kept, and reconnecting the same account brings everything back.",
    )
    return redirect("integrations:index", workspace_id=request.workspace.public_id)


@login_required
@require_GET
def callback(request: HttpRequest, provider: str) -> HttpResponse:
    """Where TikTok sends the owner back. Every way out lands on the Integrations page."""
    if provider not in Provider.values:
        raise Http404("No such platform.")
    fallback = request.session.get(SESSION_LAST_WORKSPACE)
    try:
        attempt = oauth.claim_state(
            state=request.GET.get("state", ""),
            user=request.user,
            session_key=request.session.session_key or "",
            provider=provider,
        )
        workspace = attempt.state.workspace
        error, code = request.GET.get("error"), request.GET.get("code")
        if error or not code or code == "null":
            raise oauth.ConnectError(
                f"The connection to {Provider(provider).label} was cancelled; nothing was stored.",
                workspace=workspace,
            )
        complete = (
            oauth.tiktok_connect_complete
            if provider == Provider.TIKTOK
            else oauth.shop_connect_complete
        )
        connection = complete(attempt=attempt, code=code)
    except oauth.ConnectError as failure:
        messages.error(request, str(failure))
        target = failure.workspace.public_id if failure.workspace else fallback
        if target is None:
            return redirect("dashboard:home")
        return redirect("integrations:index", workspace_id=target)
    messages.success(request, f"Connected {connection}.")
    return redirect("integrations:index", workspace_id=workspace.public_id)
