"""The two baselines the real webhook receiver is measured against."""

import hashlib
import time

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from integrations.webhooks.signatures import verify_tiktok


@csrf_exempt
def empty(request: HttpRequest) -> HttpResponse:
    """What Django itself costs per request on this server."""
    return HttpResponse(status=200)


@csrf_exempt
def bare_ingest(request: HttpRequest) -> HttpResponse:
    """Verify the signature and insert one row with hand-written SQL: the least any durable
    receiver can do. The row is the receiver's own shape (a pending event in the same table,
    so the same indexes are written); only the parsing and the wake-up are missing."""
    body = request.body
    if not verify_tiktok(
        header=request.headers.get("TikTok-Signature", ""),
        body=body,
        secret=settings.TIKTOK_CLIENT_SECRET,
        now=time.time(),
        tolerance=300,
    ):
        return HttpResponse(status=401)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO integrations_webhookevent (provider, event_id, source, event_type, "
            "account_id, body, received_at, status, attempts, outcome) "
            "VALUES ('bench', %s, 'webhook', 'comment.update', '', %s, now(), 'pending', 0, '') "
            "ON CONFLICT DO NOTHING",
            [hashlib.sha256(body).hexdigest(), body],
        )
    return HttpResponse(status=200)
