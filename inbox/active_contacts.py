"""Monthly Active Contacts, what the plan bills (PRODUCT.md, Billing and limits).

A contact is active in a cycle once the bot or a teammate DMs them in it; unmatched comments,
unanswered inbound DMs and attribution-only buyers never count. Cycles start on the
subscription's day of the month (the 31st becomes the month's last day). At 80% and 95% of
the plan the owners get one email each per cycle and the dashboard shows a banner; at 100%
the bot queues DMs to contacts not yet active this cycle (``bot_may_reach``), while public
replies, active contacts and teammates carry on.
"""

import calendar
import zoneinfo
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from chatsparks.celery import enqueue_on_commit
from chatsparks.workspaces.models import Workspace
from chatsparks.workspaces.selectors import owner_emails
from inbox.models import ActiveContact, UsageAlert

THRESHOLDS = (80, 95)


def _on_day(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def cycle_start(workspace: Workspace, *, today: date | None = None) -> date:
    """The first day of the billing cycle ``today`` (in the workspace's time zone, whatever
    process asks: a page, a worker) falls in."""
    today = today or timezone.localdate(timezone=zoneinfo.ZoneInfo(workspace.timezone))
    anchor_day = workspace.billing_anchor.day
    start = _on_day(today.year, today.month, anchor_day)
    if start > today:
        year, month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
        start = _on_day(year, month, anchor_day)
    return start


def cycle_end(start: date, anchor_day: int) -> date:
    """The first day of the next cycle."""
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return _on_day(year, month, anchor_day)


@dataclass(frozen=True)
class Usage:
    used: int
    limit: int
    cycle_start: date
    cycle_end: date

    @property
    def percent(self) -> int:
        return 100 if self.limit == 0 else min(999, self.used * 100 // self.limit)

    @property
    def level(self) -> str:
        """``ok``, ``warning`` (80%), ``critical`` (95%) or ``full`` (100%)."""
        if self.used >= self.limit:
            return "full"
        if self.percent >= THRESHOLDS[1]:
            return "critical"
        if self.percent >= THRESHOLDS[0]:
            return "warning"
        return "ok"


def usage(workspace: Workspace) -> Usage:
    start = cycle_start(workspace)
    used = ActiveContact.objects.for_workspace(workspace).filter(cycle_start=start).count()
    end = cycle_end(start, workspace.billing_anchor.day)
    return Usage(used=used, limit=workspace.contact_limit, cycle_start=start, cycle_end=end)


def is_active(*, workspace: Workspace, contact_id: int) -> bool:
    return (
        ActiveContact.objects.for_workspace(workspace)
        .filter(cycle_start=cycle_start(workspace), contact_id=contact_id)
        .exists()
    )


def bot_may_reach(*, workspace: Workspace, contact_id: int) -> bool:
    """May the bot DM this contact now? Always if they already count this cycle; otherwise
    only while the plan has room."""
    if is_active(workspace=workspace, contact_id=contact_id):
        return True
    return usage(workspace).used < workspace.contact_limit


def record(*, workspace_id: int, contact_id: int) -> None:
    """A DM went to ``contact_id``: they count this cycle (once). Crossing 80% or 95% emails
    the owners, once per threshold per cycle."""
    workspace = Workspace.objects.get(pk=workspace_id)
    start = cycle_start(workspace)
    try:
        with transaction.atomic():
            ActiveContact.objects.create(
                workspace_id=workspace_id, contact_id=contact_id, cycle_start=start
            )
    except IntegrityError:
        return  # already active this cycle
    current = usage(workspace)
    for threshold in THRESHOLDS:
        if current.percent < threshold:
            continue
        try:
            with transaction.atomic():
                UsageAlert.objects.create(
                    workspace_id=workspace_id, cycle_start=start, threshold=threshold
                )
        except IntegrityError:
            continue
        from inbox.tasks import usage_alert_send  # the tasks module imports this one

        enqueue_on_commit(usage_alert_send, workspace_id=workspace_id, threshold=threshold)


def alert_send(*, workspace_id: int, threshold: int) -> str:
    workspace = Workspace.objects.get(pk=workspace_id)
    recipients = owner_emails(workspace=workspace_id)
    if not recipients:
        return "skipped-no-owner"
    context = {
        "workspace": workspace,
        "threshold": threshold,
        "usage": usage(workspace),
        "url": settings.PUBLIC_BASE_URL.rstrip("/")
        + reverse("workspaces:billing", kwargs={"workspace_id": workspace.public_id}),
    }
    send_mail(
        subject=render_to_string("inbox/email/usage_subject.txt", context).strip(),
        message=render_to_string("inbox/email/usage.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )
    return f"sent to {len(recipients)}"
