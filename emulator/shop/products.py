"""Products API (wire notes 3.1, 3.2): Search Products at 202502 (and the 202309 path EcomPHP
calls, with the same shape) and Get Product at 202309. Prices are decimal strings."""

from typing import TYPE_CHECKING, Any

from starlette.routing import BaseRoute

from emulator.shop.api import (
    SCOPE_PRODUCTS,
    ApiError,
    Call,
    bad_request,
    endpoint,
    next_page_token,
    page_offset,
    page_size,
)
from emulator.shop.store import Product, Shop, Sku

if TYPE_CHECKING:
    from emulator.shop import ShopPlatform

BAD_PAGE_NUMBER = 12019108
BAD_PAGE_SIZE = 12019109
TOO_MANY_SELLER_SKUS = 12019027
TOO_MANY_SKU_IDS = 12019087
# Not in the wire notes: the code Get Product answers for an unknown or hidden product.
PRODUCT_NOT_FOUND = 12052048
STATUSES = (
    "ALL",
    "DRAFT",
    "PENDING",
    "FAILED",
    "ACTIVATE",
    "SELLER_DEACTIVATED",
    "PLATFORM_DEACTIVATED",
    "FREEZE",
    "DELETED",
)


def routes(platform: "ShopPlatform") -> list[BaseRoute]:
    search = _search(platform)
    return [
        endpoint(
            platform, "/product/202502/products/search", search, method="POST", scope=SCOPE_PRODUCTS
        ),
        endpoint(
            platform, "/product/202309/products/search", search, method="POST", scope=SCOPE_PRODUCTS
        ),
        endpoint(
            platform,
            "/product/202309/products/{product_id}",
            _get(platform),
            method="GET",
            scope=SCOPE_PRODUCTS,
        ),
    ]


def _price(shop: Shop, sku: Sku) -> dict[str, str]:
    return {"currency": shop.currency, "tax_exclusive_price": sku.price, "sale_price": sku.price}


def _inventory(shop: Shop, sku: Sku) -> list[dict[str, Any]]:
    return [
        {
            "warehouse_id": shop.warehouse_id,
            "quantity": sku.quantity,
            "backorder_quantity": 0,
            "handling_time": 2,
        }
    ]


def _search_item(shop: Shop, product: Product) -> dict[str, Any]:
    return {
        "id": product.id,
        "title": product.title,
        "status": product.status,
        "create_time": product.create_time,
        "update_time": product.update_time,
        "sales_regions": [shop.region],
        "is_not_for_sale": False,
        "audit": {"status": "APPROVED"},
        "has_draft": False,
        "listing_quality_tier": "GOOD",
        "skus": [
            {
                "id": sku.id,
                "seller_sku": sku.seller_sku,
                "price": _price(shop, sku),
                "inventory": _inventory(shop, sku),
                "status_info": {"status": "NORMAL"},
                "list_price": {"amount": sku.price, "currency": shop.currency},
            }
            for sku in product.skus
        ],
    }


def product_detail(shop: Shop, product: Product) -> dict[str, Any]:
    image = {
        "height": 800,
        "width": 800,
        "uri": f"tos-useast2a-i-glowtheory/{product.id}",
        "urls": [f"https://p16-oec-eu.ibyteimg.com/tos-useast2a-i-glowtheory/{product.id}.jpg"],
        "thumb_urls": [
            f"https://p16-oec-eu.ibyteimg.com/tos-useast2a-i-glowtheory/{product.id}~tplv-300.jpg"
        ],
    }
    return {
        "id": product.id,
        "status": product.status,
        "title": product.title,
        "description": product.description,
        "create_time": product.create_time,
        "update_time": product.update_time,
        "category_chains": [
            {
                "id": "601450",
                "parent_id": "0",
                "local_name": "Beauty & Personal Care",
                "is_leaf": False,
            },
            {
                "id": "601451",
                "parent_id": "601450",
                "local_name": product.category,
                "is_leaf": True,
            },
        ],
        "brand": {"id": "7082427311584347905", "name": product.brand},
        "main_images": [image],
        "package_dimensions": {"length": "12", "width": "6", "height": "4", "unit": "CENTIMETER"},
        "package_weight": {"value": "0.2", "unit": "KILOGRAM"},
        "skus": [
            {
                "id": sku.id,
                "seller_sku": sku.seller_sku,
                "price": {**_price(shop, sku), "unit_price": sku.price},
                "inventory": _inventory(shop, sku),
                "identifier_code": {"code": f"50{sku.id[-11:]}", "type": "EAN"},
                "sales_attributes": [
                    {
                        "id": "100000",
                        "name": "Variant",
                        "value_id": sku.id[-7:],
                        "value_name": sku.name,
                    }
                ],
                "external_sku_id": "",
                "combined_skus": [],
                "list_price": {"amount": sku.price, "currency": shop.currency},
                "status_info": {"status": "NORMAL"},
            }
            for sku in product.skus
        ],
        "certifications": [],
    }


def _search(platform: "ShopPlatform") -> Any:
    async def handler(call: Call) -> dict[str, Any]:
        size = page_size(call, maximum=100, code=BAD_PAGE_SIZE)
        offset = page_offset(call, BAD_PAGE_NUMBER)
        body = call.json()
        status = body.get("status", "ALL")
        if status not in STATUSES:
            raise bad_request("Invalid 'status'.", 12019001)
        seller_skus = body.get("seller_skus") or []
        sku_ids = body.get("sku_ids") or []
        if len(seller_skus) > 10:
            raise bad_request("At most 10 seller_skus.", TOO_MANY_SELLER_SKUS)
        if len(sku_ids) > 10:
            raise bad_request("At most 10 sku_ids.", TOO_MANY_SKU_IDS)
        found = []
        for product in platform.store.products.values():
            if status == "ALL" and product.status in ("DELETED",):
                continue
            if status != "ALL" and product.status != status:
                continue
            if seller_skus and not any(s.seller_sku in seller_skus for s in product.skus):
                continue
            if sku_ids and not any(s.id in sku_ids for s in product.skus):
                continue
            if not _in_range(product.create_time, body, "create_time"):
                continue
            if not _in_range(product.update_time, body, "update_time"):
                continue
            found.append(product)
        found.sort(key=lambda p: (p.create_time, p.id), reverse=True)
        page = found[offset : offset + size]
        return {
            "total_count": len(found),
            "next_page_token": next_page_token(offset, size, len(found)),
            "products": [_search_item(call.shop, p) for p in page],
        }

    return handler


def _in_range(value: int, body: dict[str, Any], name: str) -> bool:
    low, high = body.get(f"{name}_ge"), body.get(f"{name}_le")
    return (low is None or value >= int(low)) and (high is None or value <= int(high))


def _get(platform: "ShopPlatform") -> Any:
    async def handler(call: Call) -> dict[str, Any]:
        product = platform.store.products.get(call.request.path_params["product_id"])
        if product is None or product.status in ("FREEZE", "DELETED"):
            raise ApiError(PRODUCT_NOT_FOUND, "The product does not exist.", 404)
        return product_detail(call.shop, product)

    return handler
