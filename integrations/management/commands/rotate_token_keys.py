from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from integrations import crypto
from integrations.models import Connection


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored TikTok token under the newest TOKEN_ENCRYPTION_KEYS key, "
        "after which older keys can be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        rotated = 0
        with transaction.atomic():
            for connection in Connection.unscoped.select_for_update().order_by("pk"):
                connection.access_token_encrypted = crypto.rotate(connection.access_token_encrypted)
                connection.refresh_token_encrypted = crypto.rotate(
                    connection.refresh_token_encrypted
                )
                connection.save(update_fields=["access_token_encrypted", "refresh_token_encrypted"])
                rotated += 1
        self.stdout.write(f"Re-encrypted the tokens of {rotated} connections.")
