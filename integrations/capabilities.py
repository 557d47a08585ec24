"""What each feature needs from TikTok, in one table every feature consults.

A connection's capabilities are computed from the scopes the user actually granted (TikTok
lets them untick any); a feature whose scopes are missing does not run, and the integration
card names what is missing.
"""

from enum import StrEnum


class Capability(StrEnum):
    COMMENT_TRIGGERS = "comment_triggers"
    PUBLIC_REPLY = "public_reply"
    DIRECT_MESSAGE = "direct_message"
    COMMENT_TO_MESSAGE = "comment_to_message"
    POST_LIST = "post_list"
    CATALOG = "catalog"
    ORDERS = "orders"
    SHOP_CHAT = "shop_chat"


# TikTok API for Business (creator account) scopes.
TIKTOK_SCOPES: dict[Capability, frozenset[str]] = {
    Capability.COMMENT_TRIGGERS: frozenset({"comment.list"}),
    Capability.PUBLIC_REPLY: frozenset({"comment.list", "comment.list.manage"}),
    Capability.DIRECT_MESSAGE: frozenset({"message.list.read", "message.list.send"}),
    Capability.COMMENT_TO_MESSAGE: frozenset(
        {"comment.list", "message.list.read", "message.list.send"}
    ),
    Capability.POST_LIST: frozenset({"video.list"}),
}

# TikTok Shop Partner API scopes.
TIKTOK_SHOP_SCOPES: dict[Capability, frozenset[str]] = {
    Capability.CATALOG: frozenset({"seller.product.basic"}),
    Capability.ORDERS: frozenset({"seller.order.info"}),
    Capability.SHOP_CHAT: frozenset({"seller.customer_service"}),
}

SCOPES_BY_PROVIDER = {"tiktok": TIKTOK_SCOPES, "tiktok_shop": TIKTOK_SHOP_SCOPES}


def requested_scopes(provider: str) -> list[str]:
    """Everything ChatSparks asks for when connecting ``provider``, sorted."""
    table = SCOPES_BY_PROVIDER[provider]
    return sorted({scope for scopes in table.values() for scope in scopes} | _BASE[provider])


_BASE = {"tiktok": {"user.info.basic"}, "tiktok_shop": {"seller.authorization.info"}}


def capabilities_for(provider: str, granted: set[str] | frozenset[str]) -> set[Capability]:
    return {cap for cap, needs in SCOPES_BY_PROVIDER[provider].items() if needs <= granted}


def missing_scopes(provider: str, granted: set[str] | frozenset[str]) -> list[str]:
    return sorted(set(requested_scopes(provider)) - set(granted))
