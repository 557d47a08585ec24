"""The address a forwarded email is sent from and answered to, and what it proves on the way
back.

``reply+<workspace id>-<conversation id>-<mac>@<HELPDESK_INBOUND_DOMAIN>``: the mac is an
HMAC (``salted_hmac`` over the secret key) of the two ids, so the address names its
conversation and cannot be made up or pointed at another one. Not ``django.core.signing``:
its output is case-sensitive base64 with ``:`` in it, and mail systems lowercase local parts
and do not allow ``:`` in them; base32 in lowercase survives both, and 120 bits stay well
inside the 64 characters a local part may have. ``SECRET_KEY_FALLBACKS`` keep the addresses
of emails sent before a key rotation working.
"""

import base64
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

_SALT = "helpdesk.reply-address"
_MAC_BYTES = 15  # 120 bits: 24 base32 characters, no padding
_ADDRESS = re.compile(r"^reply\+(\d{1,18})-(\d{1,18})-([a-z2-7]{24})@([^@\s]+)$", re.IGNORECASE)


@dataclass(frozen=True)
class ReplyTarget:
    workspace_id: int
    conversation_id: int


def inbound_domain() -> str:
    """Where replies arrive; empty when this deployment does not receive email."""
    return str(getattr(settings, "HELPDESK_INBOUND_DOMAIN", "") or "").strip().lower()


def _mac(workspace_id: int, conversation_id: int, secret: str) -> str:
    digest = salted_hmac(
        _SALT, f"{workspace_id}-{conversation_id}", secret=secret, algorithm="sha256"
    ).digest()
    return base64.b32encode(digest[:_MAC_BYTES]).decode().lower()


def reply_address(*, workspace_id: int, conversation_id: int) -> str:
    """The conversation's reply address, or ``""`` when replies by email are not set up."""
    domain = inbound_domain()
    if not domain:
        return ""
    mac = _mac(workspace_id, conversation_id, settings.SECRET_KEY)
    return f"reply+{workspace_id}-{conversation_id}-{mac}@{domain}"


def reply_target(address: str) -> ReplyTarget | None:
    """The conversation ``address`` answers, if it is one of ours and its mac holds."""
    match = _ADDRESS.match(address.strip())
    domain = inbound_domain()
    if match is None or not domain or match.group(4).lower() != domain:
        return None
    workspace_id, conversation_id = int(match.group(1)), int(match.group(2))
    given = match.group(3).lower()
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    if any(constant_time_compare(given, _mac(workspace_id, conversation_id, s)) for s in secrets):
        return ReplyTarget(workspace_id=workspace_id, conversation_id=conversation_id)
    return None


def thread_anchor(*, workspace_id: int, conversation_id: int) -> str:
    """A Message-ID every forwarded email of a conversation refers to, so that mail clients
    and helpdesks file them in one thread."""
    domain = inbound_domain() or "chatsparks.invalid"
    return f"<conversation-{workspace_id}-{conversation_id}@{domain}>"
