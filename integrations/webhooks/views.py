"""The request path. Nothing heavier than verifying and one INSERT happens here: no TikTok
call, no Celery publish per event (DESIGN.md §6, "Persist, then acknowledge")."""

import logging
import time

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.models import Provider
from integrations.webhooks import signatures
from integrations.webhooks.ingest import event_record, wake_workers
from integrations.webhooks.parsing import MalformedEvent, read_envelope

log = logging.getLogger(__name__)


def _verified(provider: str, request: HttpRequest, body: bytes) -> bool:
    if provider == Provider.TIKTOK:
        return signatures.verify_tiktok(
            header=request.headers.get("TikTok-Signature", ""),
            body=body,
            secret=settings.TIKTOK_CLIENT_SECRET,
            now=time.time(),
            tolerance=settings.TIKTOK_WEBHOOK_TOLERANCE_SECONDS,
        )
    return signatures.verify_shop(
        header=request.headers.get("Authorization", ""),
        body=body,
        app_key=settings.TIKTOK_SHOP_APP_KEY,
        app_secret=settings.TIKTOK_SHOP_APP_SECRET,
    )


def _receive(request: HttpRequest, provider: str) -> HttpResponse:
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit() or int(declared) > settings.WEBHOOK_MAX_BODY_BYTES:
        return HttpResponse(status=413)
    body = request.body
    if len(body) > settings.WEBHOOK_MAX_BODY_BYTES:
        return HttpResponse(status=413)
    if not _verified(provider, request, body):
        return HttpResponse(status=401)
    try:
        envelope = read_envelope(provider, body)
    except MalformedEvent as error:
        return HttpResponse(str(error), status=400, content_type="text/plain")
    try:
        event_record(provider=provider, envelope=envelope, body=body)
    except DatabaseError:
        # Not stored, so not acknowledged: the platform retries.
        log.exception("webhook not stored; answering 503 so %s retries", provider)
        return HttpResponse(status=503)
    wake_workers()
    return HttpResponse(status=200)


@csrf_exempt
@require_POST
def tiktok(request: HttpRequest) -> HttpResponse:
    return _receive(request, Provider.TIKTOK)


@csrf_exempt
@require_POST
def tiktok_shop(request: HttpRequest) -> HttpResponse:
    return _receive(request, Provider.TIKTOK_SHOP)
