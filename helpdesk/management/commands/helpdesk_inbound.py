"""Feed a received email (an .eml file, or standard input) to the same code the inbound
webhook runs, minus the provider's signature check: for trying replies on a machine that
receives no mail, and for replaying an email support saved.

    python manage.py helpdesk_inbound reply.eml
    python manage.py helpdesk_inbound - < reply.eml
"""

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from anymail.inbound import AnymailInboundMessage
from django.core.management.base import BaseCommand, CommandError

from helpdesk import replies


class Command(BaseCommand):
    help = "Process an emailed reply (RFC 822 file, or - for stdin) as if it had just arrived."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", help="the .eml file, or - to read standard input")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["path"]
        if path == "-":
            raw = sys.stdin.buffer.read()
        else:
            try:
                raw = Path(path).read_bytes()
            except OSError as error:
                raise CommandError(f"cannot read {path}: {error}") from error
        message = AnymailInboundMessage.parse_raw_mime_bytes(raw)
        outcome = replies.email_reply_receive(message=message, source="file")
        self.stdout.write(outcome)
