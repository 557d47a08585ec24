"""Support finds a workspace's automations, runs and sends in the admin."""

from typing import Any

import pytest
from django.urls import reverse

from tests.conftest import Team, client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def support(db: object) -> Any:
    return client_for(UserFactory(is_staff=True, is_superuser=True))


@pytest.mark.parametrize(
    "changelist",
    [
        "flows_trigger", "flows_evaluation", "flows_flow", "flows_run",
        "flows_sensitivekeyword", "inbox_send", "inbox_savedreply", "inbox_conversation",
    ],
)  # fmt: skip
def test_support_can_search_the_automation_tables(
    team: Team, support: Any, changelist: str
) -> None:
    response = support.get(
        reverse(f"admin:{changelist}_changelist"), {"q": team.workspace.public_id}
    )

    assert response.status_code == 200
