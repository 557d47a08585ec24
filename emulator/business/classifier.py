"""TikTok's purchase-intent classifier, as far as Comment-to-Message needs it.

A first-level viewer comment on one of the account's videos (not the Live) whose text has a
purchase-intent phrase in one of the seeded locales is flagged **high intent** after
``config.high_intent_delay`` seconds (divided by the clock's time scale), and the verdict is
announced with ``im_receive_high_intent_comment``. The control API can flag any comment at once.
"""

import asyncio
import contextlib
from typing import TYPE_CHECKING

from emulator.business.store import Comment

if TYPE_CHECKING:
    from emulator.business import BusinessPlatform

PURCHASE_INTENT = {
    "en": ("price", "link", "how much", "buy", "cost", "where to get", "order"),
    "th": ("ราคา", "ลิงก์", "ลิ้งก์", "ลิงค์", "เท่าไหร่", "เท่าไร", "สั่งซื้อ", "ซื้อ"),
    "vi": ("giá", "bao nhiêu", "link", "mua", "đặt hàng"),
    "id": ("harga", "berapa", "link", "beli", "pesan"),
}
PHRASES = tuple(dict.fromkeys(p for phrases in PURCHASE_INTENT.values() for p in phrases))


def has_purchase_intent(text: str) -> bool:
    lowered = text.casefold()
    return any(phrase in lowered for phrase in PHRASES)


class Classifier:
    def __init__(self, platform: "BusinessPlatform") -> None:
        self.platform = platform
        self.tasks: set[asyncio.Task[None]] = set()

    def eligible(self, comment: Comment) -> bool:
        video = self.platform.store.videos.get(comment.video_id)
        return (
            not comment.owner
            and comment.parent_comment_id is None
            and video is not None
            and not video.is_live
            and has_purchase_intent(comment.text)
        )

    def consider(self, comment: Comment) -> None:
        """Schedule the verdict for a new comment. Call on the event loop."""
        if not self.eligible(comment):
            return
        task = asyncio.get_running_loop().create_task(self._later(comment.comment_id))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _later(self, comment_id: int) -> None:
        platform = self.platform
        await asyncio.sleep(platform.clock.scaled(platform.config.high_intent_delay))
        comment = platform.store.comments.get(comment_id)
        if comment is not None:
            self.flag(comment)

    def flag(self, comment: Comment) -> bool:
        """Flag ``comment`` high intent (once) and announce it. False if already flagged."""
        if comment.high_intent:
            return False
        comment.high_intent = True
        self.platform.events.high_intent(comment)
        return True

    def cancel_all(self) -> None:
        for task in list(self.tasks):
            with contextlib.suppress(RuntimeError):
                task.cancel()
        self.tasks.clear()
