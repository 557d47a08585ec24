"""Monthly Active Contacts as people see them: the banner on every workspace page at 80%, 95%
and 100% (one COUNT a page), the usage on the Billing page, the owners' emails once per
threshold and cycle, and what the bot may still do at the limit."""

import json
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import dateformat, timezone

from chatsparks.workspaces.models import Workspace
from inbox.active_contacts import bot_may_reach, cycle_end, cycle_start, record, usage
from inbox.models import ActiveContact, Contact, UsageAlert
from tests.conftest import Team, client_for
from tests.factories import ContactFactory
from tests.factories.inbox_api import InboxConversationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _anchored_mid_cycle(team: Team) -> None:
    """A cycle that began ten days ago, so "this cycle" is the same whatever the clock's time
    zone (pages read the workspace's, tasks UTC)."""
    team.workspace.billing_anchor = timezone.localdate() - timedelta(days=10)
    team.workspace.save(update_fields=["billing_anchor"])


def fill(workspace: Workspace, count: int, *, start: date | None = None) -> list[Contact]:
    """``count`` contacts DM'd in the cycle beginning ``start`` (this one by default)."""
    now = timezone.now()
    first = Contact.unscoped.count()
    contacts = Contact.unscoped.bulk_create(
        Contact(
            workspace=workspace,
            external_id=f"active-{first + n}",
            first_seen_at=now,
            last_seen_at=now,
        )
        for n in range(count)
    )
    ActiveContact.unscoped.bulk_create(
        ActiveContact(
            workspace=workspace, contact=contact, cycle_start=start or cycle_start(workspace)
        )
        for contact in contacts
    )
    return contacts


def limit(workspace: Workspace, contacts: int) -> None:
    workspace.contact_limit = contacts
    workspace.save(update_fields=["contact_limit"])


def page(team: Team, name: str = "workspaces:members") -> str:
    return reverse(name, kwargs={"workspace_id": team.workspace.public_id})


def banner(html: bytes) -> tuple[str, str, list[str]] | None:
    """(level, visible text, link targets) of the usage banner, or None."""
    found = re.search(
        r'<div class="message [^"]*usage-banner"[^>]*data-usage-level="(\w+)">(.*?)</div>',
        html.decode(),
        re.S,
    )
    if found is None:
        return None
    inner = found.group(2)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", inner)).strip()
    return found.group(1), text.replace("&#x27;", "'"), re.findall(r'href="([^"]+)"', inner)


def resets(workspace: Workspace, fmt: str = "j F") -> str:
    end = cycle_end(cycle_start(workspace), workspace.billing_anchor.day)
    return dateformat.format(end, fmt)


# -- the banner --------------------------------------------------------------------------------


def test_below_80_percent_there_is_no_banner(team: Team) -> None:
    limit(team.workspace, 100)
    fill(team.workspace, 79)

    response = client_for(team.owner).get(page(team))

    assert response.status_code == 200
    assert banner(response.content) is None


def test_at_80_percent_an_amber_banner_counts_the_plans_contacts(team: Team) -> None:
    fill(team.workspace, 800)  # of the default 1,000

    found = banner(client_for(team.member).get(page(team)).content)

    assert found == (
        "warning",
        f"You've used 80% of this month's 1,000 contacts. "
        f"The count starts again on {resets(team.workspace)}.",
        [],
    )


def test_the_amber_banner_is_amber_and_the_others_red(team: Team) -> None:
    limit(team.workspace, 100)
    client = client_for(team.owner)

    fill(team.workspace, 80)
    amber = client.get(page(team)).content.decode()
    fill(team.workspace, 15)
    red = client.get(page(team)).content.decode()

    assert 'class="message message-warning usage-banner"' in amber
    assert 'class="message message-error usage-banner"' in red


@pytest.mark.parametrize(
    ("role", "ending", "links"),
    [
        ("owner", "Upgrade your plan", True),
        ("admin", "Ask an owner to upgrade the plan.", False),
        ("member", "Ask an owner to upgrade the plan.", False),
    ],
)
def test_at_95_percent_owners_get_the_upgrade_link_and_others_are_told_to_ask(
    team: Team, role: str, ending: str, links: bool
) -> None:
    limit(team.workspace, 100)
    fill(team.workspace, 95)

    found = banner(client_for(team.user(role)).get(page(team)).content)

    assert found == (
        "critical",
        f"You've used 95% of this month's 100 contacts. At 100% the bot will queue DMs to new "
        f"contacts. The count starts again on {resets(team.workspace)}. {ending}",
        [page(team, "workspaces:billing")] if links else [],
    )


@pytest.mark.parametrize("used", [100, 112])
def test_at_the_limit_the_banner_says_what_still_works(team: Team, used: int) -> None:
    limit(team.workspace, 100)
    fill(team.workspace, used)

    found = banner(client_for(team.owner).get(page(team)).content)

    assert found == (
        "full",
        "Contact limit reached: the bot is queueing DMs to new contacts; public replies still "
        "post, conversations under way continue. "
        f"The count starts again on {resets(team.workspace)}. Upgrade your plan",
        [page(team, "workspaces:billing")],
    )


def test_last_cycles_contacts_do_not_count(team: Team) -> None:
    limit(team.workspace, 100)
    this_cycle = cycle_start(team.workspace)
    fill(team.workspace, 100, start=cycle_start(team.workspace, today=this_cycle - timedelta(1)))

    assert usage(team.workspace).used == 0
    assert banner(client_for(team.owner).get(page(team)).content) is None


def active_contact_counts(client: Any, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return sum('"inbox_activecontact"' in q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize("used", [10, 90])
def test_a_page_costs_one_count_query_with_or_without_a_banner(team: Team, used: int) -> None:
    limit(team.workspace, 100)
    fill(team.workspace, used)
    client = client_for(team.owner)

    assert active_contact_counts(client, page(team)) == 1
    # The Billing page shows the usage twice (banner and card) from the same one COUNT.
    assert active_contact_counts(client, page(team, "workspaces:billing")) == 1


def test_a_page_outside_any_workspace_counts_nothing(team: Team) -> None:
    fill(team.workspace, 1000)

    assert active_contact_counts(client_for(team.owner), reverse("account_email")) == 0


# -- the Billing page ----------------------------------------------------------------------------


def test_the_billing_page_shows_usage_with_a_meter_and_the_cycle(team: Team) -> None:
    limit(team.workspace, 2000)
    fill(team.workspace, 1234)

    html = client_for(team.owner).get(page(team, "workspaces:billing")).content.decode()

    card = html[html.index('aria-labelledby="plan-usage"') : html.index("Close account")]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", card))
    assert "1,234 of 2,000 monthly active contacts this cycle (61%)." in text
    assert (
        '<meter class="usage-meter" min="0" max="2000" low="1600" high="1900" optimum="0" '
        'value="1234" aria-labelledby="plan-usage">61%</meter>'
    ) in card
    start = cycle_start(team.workspace)
    assert f"Cycle started {dateformat.format(start, 'j F Y')}" in text
    assert f"Count resets {resets(team.workspace, 'j F Y')}" in text
    assert "style=" not in card


# -- the owners' emails --------------------------------------------------------------------------


def record_each(workspace: Workspace, contacts: list[Contact], capture: Any) -> list[int]:
    """Record a DM to each contact in turn, committing each; the mails sent after each."""
    sent = []
    for contact in contacts:
        with capture(execute=True):
            record(workspace_id=workspace.pk, contact_id=contact.pk)
        sent.append(len(mail.outbox))
    return sent


def test_owners_are_emailed_once_at_80_and_once_at_95_percent(
    team: Team, django_capture_on_commit_callbacks: Any
) -> None:
    limit(team.workspace, 20)
    contacts = [ContactFactory(workspace=team.workspace) for _ in range(22)]

    sent = record_each(team.workspace, contacts, django_capture_on_commit_callbacks)
    again = record_each(team.workspace, contacts[:20], django_capture_on_commit_callbacks)

    # The 16th contact is 80%, the 19th 95%; repeats and contacts past the limit send nothing.
    assert sent == [0] * 15 + [1, 1, 1] + [2] * 4
    assert again == [2] * 20
    assert [m.subject for m in mail.outbox] == [
        "[ChatSparks] Glow Beauty has used 80% of its monthly contacts",
        "[ChatSparks] Glow Beauty is about to reach its contact limit",
    ]
    assert [m.to for m in mail.outbox] == [[team.owner.email], [team.owner.email]]
    assert "Upgrade the plan before then: " in mail.outbox[1].body
    assert page(team, "workspaces:billing") in mail.outbox[1].body
    assert sorted(
        UsageAlert.objects.for_workspace(team.workspace).values_list("threshold", flat=True)
    ) == [80, 95]


def test_a_new_cycle_warns_again(team: Team, django_capture_on_commit_callbacks: Any) -> None:
    limit(team.workspace, 5)
    record_each(
        team.workspace,
        [ContactFactory(workspace=team.workspace) for _ in range(5)],
        django_capture_on_commit_callbacks,
    )
    # The subscription moved: the cycle now begins five days ago, and nothing counts yet.
    team.workspace.billing_anchor = timezone.localdate() - timedelta(days=5)
    team.workspace.save(update_fields=["billing_anchor"])

    sent = record_each(
        team.workspace,
        [ContactFactory(workspace=team.workspace) for _ in range(5)],
        django_capture_on_commit_callbacks,
    )

    assert sent == [2, 2, 2, 3, 4]


# -- at the limit ------------------------------------------------------------------------------


def test_at_the_limit_the_bot_may_reach_active_contacts_only(team: Team) -> None:
    limit(team.workspace, 3)
    active = fill(team.workspace, 2)
    newcomer = ContactFactory(workspace=team.workspace)

    below = bot_may_reach(workspace=team.workspace, contact_id=newcomer.pk)
    fill(team.workspace, 1)

    assert below is True
    assert bot_may_reach(workspace=team.workspace, contact_id=newcomer.pk) is False
    assert bot_may_reach(workspace=team.workspace, contact_id=active[0].pk) is True


def test_at_the_limit_a_teammate_still_dms_a_new_contact_and_it_counts(team: Team) -> None:
    limit(team.workspace, 3)
    fill(team.workspace, 3)
    conversation = InboxConversationFactory(connection__workspace=team.workspace, window_open=True)

    response = client_for(team.member).post(
        reverse(
            "api-inbox-conversation-reply",
            kwargs={"workspace_id": team.workspace.public_id, "conversation_id": conversation.pk},
        ),
        data=json.dumps({"text": "Still here to help"}),
        content_type="application/json",
    )

    assert response.status_code == 201
    assert usage(team.workspace).used == 4
