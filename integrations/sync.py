"""Posts (videos and Lives) and the catalog (products, SKUs, prices, stock), synced on connect
and periodically. Incremental after the first run; progress is written as it goes so the card
can show the first sync filling up; ``last_sync_at`` moves only when a run succeeds."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from integrations import tokens
from integrations.clients.tiktok_business import TikTokBusinessClient, VideoPage
from integrations.clients.tiktok_shop import TikTokShopClient
from integrations.models import Connection, Post, Product, Provider, Sku

# Re-read a margin before the last successful sync: platform clocks and ours differ.
OVERLAP = timedelta(hours=1)


def _progress(connection: Connection, section: str, fetched: int, total: int | None) -> None:
    state = {**connection.sync_state, section: {"fetched": fetched, "total": total}}
    connection.sync_state = state
    Connection.unscoped.filter(pk=connection.pk).update(sync_state=state)


def _stamp(value: Any) -> datetime:
    return datetime.fromtimestamp(int(str(value)), tz=UTC)


def posts_sync(*, connection: Connection) -> int:
    """Upsert the account's posts, newest first, stopping at ones older than the last sync."""
    since = connection.last_sync_at - OVERLAP if connection.last_sync_at else None
    cursor, fetched = 0, 0
    while True:

        def fetch(token: str, at: int = cursor) -> VideoPage:
            with TikTokBusinessClient(access_token=token) as client:
                return client.videos(business_id=connection.external_id, cursor=at)

        page = tokens.with_fresh_token(connection, fetch)
        rows = [
            Post(
                workspace_id=connection.workspace_id,
                connection=connection,
                external_id=str(video["item_id"]),
                kind=Post.Kind.LIVE if video.get("media_type") == "LIVE" else Post.Kind.VIDEO,
                caption=video.get("caption") or "",
                share_url=video.get("share_url") or "",
                thumbnail_url=video.get("thumbnail_url") or "",
                published_at=_stamp(video["create_time"]),
            )
            for video in page.videos
        ]
        Post.unscoped.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["connection", "external_id"],
            update_fields=["kind", "caption", "share_url", "thumbnail_url", "published_at"],
        )
        fetched += len(rows)
        _progress(connection, "posts", fetched, None if page.has_more else fetched)
        caught_up = since is not None and rows and all(r.published_at < since for r in rows)
        if not page.has_more or caught_up or not rows:
            return fetched
        cursor = page.cursor


def _sku_name(detail: dict[str, Any], sku_id: str) -> str:
    for sku in detail.get("skus", []):
        if str(sku.get("id")) == sku_id:
            return " / ".join(a.get("value_name", "") for a in sku.get("sales_attributes", []))
    return ""


def catalog_sync(*, connection: Connection) -> int:
    """Upsert products and SKUs changed since the last sync (all of them the first time)."""
    since = connection.last_sync_at - OVERLAP if connection.last_sync_at else None

    updated_since = int(since.timestamp()) if since else None

    def client(token: str) -> TikTokShopClient:
        return TikTokShopClient(access_token=token, shop_cipher=connection.shop_cipher)

    page_token, fetched = "", 0
    while True:

        def search(token: str, at: str = page_token) -> dict[str, Any]:
            with client(token) as shop:
                return shop.products_search(page_token=at, updated_since=updated_since)

        data = tokens.with_fresh_token(connection, search)
        for item in data.get("products", []):

            def detail_of(token: str, product_id: str = str(item["id"])) -> dict[str, Any]:
                with client(token) as shop:
                    return shop.product(product_id=product_id)

            detail = tokens.with_fresh_token(connection, detail_of)
            _product_store(connection, item, detail)
            fetched += 1
        _progress(connection, "products", fetched, int(data.get("total_count") or fetched))
        page_token = data.get("next_page_token") or ""
        if not page_token:
            return fetched


def _product_store(connection: Connection, item: dict[str, Any], detail: dict[str, Any]) -> None:
    with transaction.atomic():
        product, _ = Product.unscoped.update_or_create(
            connection=connection,
            external_id=str(item["id"]),
            defaults={
                "workspace_id": connection.workspace_id,
                "title": item.get("title", ""),
                "status": item.get("status", ""),
                "updated_at_platform": _stamp(item["update_time"])
                if item.get("update_time")
                else None,
            },
        )
        for sku in item.get("skus", []):
            price = sku.get("price") or {}
            Sku.unscoped.update_or_create(
                product=product,
                external_id=str(sku["id"]),
                defaults={
                    "workspace_id": connection.workspace_id,
                    "seller_sku": sku.get("seller_sku") or "",
                    "name": _sku_name(detail, str(sku["id"])),
                    "price": Decimal(
                        str(price.get("sale_price") or price.get("tax_exclusive_price") or "0")
                    ),
                    "currency": price.get("currency", ""),
                    "stock": sum(int(i.get("quantity") or 0) for i in sku.get("inventory", [])),
                },
            )


def connection_sync(*, connection: Connection) -> str:
    """One sync run; ``last_sync_at`` moves only if every part succeeded."""
    Connection.unscoped.filter(pk=connection.pk).update(
        sync_state={**connection.sync_state, "running": True, "error": ""}
    )
    connection.refresh_from_db()
    try:
        if connection.provider == Provider.TIKTOK:
            count = posts_sync(connection=connection)
            outcome = f"{count} posts"
        else:
            count = catalog_sync(connection=connection)
            outcome = f"{count} products"
    except Exception as error:
        state = {**connection.sync_state, "running": False, "error": str(error)[:300]}
        Connection.unscoped.filter(pk=connection.pk).update(sync_state=state)
        raise
    state = {**connection.sync_state, "running": False, "error": ""}
    Connection.unscoped.filter(pk=connection.pk).update(
        sync_state=state, last_sync_at=timezone.now()
    )
    return outcome


def connections_live_unscoped() -> list[tuple[int, int]]:
    """(workspace_id, connection_id) of every connection that should be synced."""
    return list(
        Connection.unscoped.filter(
            status__in=[Connection.Status.CONNECTED, Connection.Status.NEEDS_ATTENTION]
        ).values_list("workspace_id", "pk")
    )
