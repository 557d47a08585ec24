"""Words that need a person, not the bot: per-locale defaults plus each workspace's own
(``SensitiveKeyword``), matched like trigger keywords (whole words, any case or accent, Thai
segmented). Each may hand the conversation off, tag the contact, or both."""

from dataclasses import dataclass

from flows.matcher import KeywordMatcher
from flows.models import SensitiveKeyword

DEFAULTS: dict[str, tuple[str, ...]] = {
    "en": ("refund", "return", "broken", "damaged", "complaint", "scam", "fake", "lawyer",
           "cancel my order", "where is my order", "talk to a human", "real person"),
    "th": ("คืนเงิน", "คืนสินค้า", "เสียหาย", "ของปลอม", "ร้องเรียน", "ยกเลิก", "โกง"),
    "vi": ("hoàn tiền", "trả hàng", "hư hỏng", "hàng giả", "khiếu nại", "lừa đảo"),
    "id": ("refund", "pengembalian", "rusak", "palsu", "komplain", "penipuan"),
}  # fmt: skip


@dataclass(frozen=True)
class Hit:
    phrase: str
    handoff: bool
    tag: str


def sensitive_hits(*, workspace_id: int, text: str) -> list[Hit]:
    """The sensitive phrases in ``text``: every locale's defaults (buyers write in any of
    them) and the workspace's own, which win over a default with the same phrase."""
    own = {k.phrase: k for k in SensitiveKeyword.objects.for_workspace(workspace_id)}
    entries: list[tuple[str, Hit]] = [
        (phrase, Hit(phrase, handoff=True, tag=""))
        for phrases in DEFAULTS.values()
        for phrase in phrases
        if phrase not in own
    ]
    entries += [
        (
            k.phrase,
            Hit(
                k.phrase,
                handoff=k.action != SensitiveKeyword.Action.TAG,
                tag=k.tag if k.action != SensitiveKeyword.Action.HANDOFF else "",
            ),
        )
        for k in own.values()
    ]
    key = tuple(sorted((k.phrase, k.action, k.tag) for k in own.values()))
    cached = _cache.get(workspace_id)
    if cached is None or cached[0] != key:
        _cache[workspace_id] = cached = (key, KeywordMatcher.build(entries))
    return list(dict.fromkeys(cached[1].match(text)))


_cache: dict[int, tuple[tuple[tuple[str, str, str], ...], KeywordMatcher[Hit]]] = {}
