"""Connecting an account: the authorize redirect and the callback, for both platforms.

The callback trusts nothing from the browser but the ``state`` it finds stored for this user
and this session; everything else (who, which workspace, the PKCE verifier) comes from that
row, which is used up whether the attempt succeeds or not.
"""

import base64
import contextlib
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from chatsparks.celery import enqueue_on_commit
from chatsparks.workspaces.models import Workspace
from integrations import capabilities, crypto, hooks
from integrations.clients.errors import PlatformError
from integrations.models import Connection, OAuthState, Provider
from integrations.tasks import connection_setup


class ConnectError(Exception):
    """A connect attempt ended without a connection; the message is for the user."""

    def __init__(self, message: str, *, workspace: Workspace | None = None) -> None:
        super().__init__(message)
        self.workspace = workspace


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def connect_start(
    *, workspace: Workspace, user: Any, session_key: str, provider: str, redirect_uri: str
) -> str:
    """Record the attempt and return the platform's authorize URL to send the owner to."""
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    OAuthState.objects.create(
        workspace=workspace,
        provider=provider,
        user=user,
        session_hash=_hash(session_key),
        state_hash=_hash(state),
        code_verifier_encrypted=crypto.encrypt(verifier),
        redirect_uri=redirect_uri,
        expires_at=timezone.now() + timedelta(seconds=OAuthState.LIFETIME_SECONDS),
    )
    if provider == Provider.TIKTOK:
        query = {
            "client_key": settings.TIKTOK_CLIENT_KEY,
            "scope": ",".join(capabilities.requested_scopes(Provider.TIKTOK)),
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "state": state,
            "code_challenge": _s256(verifier),
            "code_challenge_method": "S256",
        }
        return f"{settings.TIKTOK_AUTHORIZE_BASE_URL}/v2/auth/authorize/?{urlencode(query)}"
    query = {"service_id": settings.TIKTOK_SHOP_SERVICE_ID, "state": state}
    return f"{settings.TIKTOK_SHOP_AUTHORIZE_BASE_URL}/open/authorize?{urlencode(query)}"


@dataclass(frozen=True)
class CallbackAttempt:
    state: OAuthState
    verifier: str


def claim_state(*, state: str, user: Any, session_key: str, provider: str) -> CallbackAttempt:
    """The stored attempt behind ``state``, used up now; or ConnectError."""
    with transaction.atomic():
        row = (
            # The callback names no workspace; the state alone finds the attempt.
            OAuthState.unscoped.select_for_update()
            .select_related("workspace")
            .filter(state_hash=_hash(state or "-"), provider=provider)
            .first()
        )
        if row is None or row.user_id != user.pk or row.session_hash != _hash(session_key):
            raise ConnectError("This connection link is not valid. Start again from Integrations.")
        if row.used_at is not None:
            raise ConnectError("This connection link was already used.", workspace=row.workspace)
        row.used_at = timezone.now()
        row.save(update_fields=["used_at"])
    if row.expires_at <= timezone.now():
        raise ConnectError(
            "The connection took longer than 10 minutes. Please try again.",
            workspace=row.workspace,
        )
    return CallbackAttempt(state=row, verifier=crypto.decrypt(row.code_verifier_encrypted))


def connection_store(
    *, workspace: Workspace, provider: str, external_id: str, **fields: Any
) -> Connection:
    """Create or restore this workspace's connection to the account. An account live in
    another workspace is refused, never moved."""
    with transaction.atomic():
        elsewhere = (
            Connection.unscoped.select_for_update()
            .filter(provider=provider, external_id=external_id)
            .exclude(workspace=workspace)
            .exclude(status=Connection.Status.DISCONNECTED)
            .exists()
        )
        if elsewhere:
            raise ConnectError(
                "This account is already connected to another ChatSparks workspace. "
                "Disconnect it there first, or ask that workspace's owner.",
                workspace=workspace,
            )
        tokens = {k: fields.pop(k) for k in ("access_token", "refresh_token")}
        connection, created = Connection.unscoped.select_for_update().get_or_create(
            workspace=workspace, provider=provider, external_id=external_id
        )
        was_paused = not created and connection.status in (
            Connection.Status.DISCONNECTED,
            Connection.Status.REAUTHORIZATION_NEEDED,
        )
        for name, value in fields.items():
            setattr(connection, name, value)
        connection.set_tokens(**tokens)
        connection.status = (
            Connection.Status.NEEDS_ATTENTION
            if capabilities.missing_scopes(provider, set(connection.granted_scopes))
            else Connection.Status.CONNECTED
        )
        connection.connected_at = timezone.now()
        connection.disconnected_at = None
        connection.save()
        if was_paused:
            hooks.connection_resumed(connection)
        enqueue_on_commit(connection_setup, workspace_id=workspace.pk, connection_id=connection.pk)
    return connection


def platform_failure(error: PlatformError, workspace: Workspace) -> ConnectError:
    return ConnectError(f"TikTok did not complete the connection: {error}", workspace=workspace)


def tiktok_connect_complete(*, attempt: CallbackAttempt, code: str) -> Connection:
    from integrations.clients.tiktok_business import TikTokBusinessClient

    workspace = attempt.state.workspace
    try:
        with TikTokBusinessClient() as client:
            grant = client.exchange_code(
                code=code,
                redirect_uri=attempt.state.redirect_uri,
                code_verifier=attempt.verifier,
            )
        profile = None
        if "user.info.basic" in grant.scopes:
            with TikTokBusinessClient(access_token=grant.access_token) as client:
                profile = client.profile(business_id=grant.open_id)
    except PlatformError as error:
        raise platform_failure(error, workspace) from error
    try:
        return connection_store(
            workspace=workspace,
            provider=Provider.TIKTOK,
            external_id=grant.open_id,
            display_name=profile.display_name if profile else "",
            handle=profile.username if profile else "",
            granted_scopes=sorted(grant.scopes),
            access_token=grant.access_token,
            refresh_token=grant.refresh_token,
            access_token_expires_at=grant.access_expires_at,
            refresh_token_expires_at=grant.refresh_expires_at,
        )
    except ConnectError:
        # We will not keep this grant: hand it back rather than leave it live at TikTok.
        with TikTokBusinessClient() as client, contextlib.suppress(PlatformError):
            client.revoke(access_token=grant.access_token)
        raise


def shop_connect_complete(*, attempt: CallbackAttempt, code: str) -> Connection:
    from integrations.clients.tiktok_shop import TikTokShopAuthClient, TikTokShopClient

    workspace = attempt.state.workspace
    try:
        with TikTokShopAuthClient() as auth:
            grant = auth.token_get(auth_code=code)
        with TikTokShopClient(access_token=grant.access_token) as client:
            shops = client.authorized_shops()
    except PlatformError as error:
        raise platform_failure(error, workspace) from error
    # A seller authorizes one shop per region; the one in the seller's base region is it.
    shop = next((s for s in shops if s.region == grant.seller_base_region), None)
    shop = shop or (shops[0] if shops else None)
    if shop is None:
        raise ConnectError("TikTok Shop authorized no shop for this app.", workspace=workspace)
    return connection_store(
        workspace=workspace,
        provider=Provider.TIKTOK_SHOP,
        external_id=shop.id,
        display_name=shop.name or grant.seller_name,
        region=shop.region,
        shop_cipher=shop.cipher,
        seller_open_id=grant.open_id,
        granted_scopes=sorted(grant.scopes),
        access_token=grant.access_token,
        refresh_token=grant.refresh_token,
        access_token_expires_at=grant.access_expires_at,
        refresh_token_expires_at=grant.refresh_expires_at,
    )
