"""Settings → Working hours: owners and admins set them (off by default), members and outsiders
cannot, and a refused or invalid save changes nothing."""

from datetime import time
from typing import Any

import pytest
from django.urls import reverse

from support import selectors
from support.models import WorkingDay, WorkingHours
from tests.conftest import Team, client_for
from tests.factories.support import WorkingDayFactory

pytestmark = pytest.mark.django_db

WEEKDAYS = {
    "enabled": "on",
    **{f"open_{d}": "on" for d in range(1, 6)},
    **{f"opens_{d}": "09:00" for d in range(1, 8)},
    **{f"closes_{d}": "18:00" for d in range(1, 8)},
}


def url(team: Team) -> str:
    return reverse("support:working_hours", kwargs={"workspace_id": team.workspace.public_id})


def saved(workspace: Any) -> tuple[Any, ...]:
    return (
        list(WorkingHours.objects.for_workspace(workspace).values_list("enabled", flat=True)),
        list(WorkingDay.objects.for_workspace(workspace).values_list("weekday", "opens", "closes")),
    )


def test_off_by_default_with_weekdays_suggested(team: Team) -> None:
    assert selectors.working_hours_get(workspace=team.workspace) == selectors.Hours()

    page = client_for(team.owner).get(url(team))

    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["enabled"] is False
    assert [form.initial[f"open_{d}"] for d in range(1, 8)] == [True] * 5 + [False] * 2
    assert "Working hours" in page.content.decode()


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owners_and_admins_set_them(team: Team, role: str) -> None:
    response = client_for(team.user(role)).post(url(team), {**WEEKDAYS, "opens_5": "10:30"})

    assert response.status_code == 302
    assert saved(team.workspace) == (
        [True],
        [(d, time(10, 30) if d == 5 else time(9), time(18)) for d in range(1, 6)],
    )
    hours = selectors.working_hours_get(workspace=team.workspace)
    assert hours.counting is True
    assert WorkingHours.objects.for_workspace(team.workspace).get().updated_by == team.user(role)


@pytest.mark.parametrize(
    ("role", "status"), [("anonymous", 302), ("outsider", 404), ("member", 403)]
)
def test_others_cannot_see_or_set_them(team: Team, role: str, status: int) -> None:
    WorkingDayFactory(workspace=team.workspace, weekday=2)
    before = saved(team.workspace)

    client = client_for(team.user(role))
    assert client.get(url(team)).status_code == status
    assert client.post(url(team), WEEKDAYS).status_code == status

    assert saved(team.workspace) == before


def test_another_workspaces_hours_are_out_of_reach(team: Team) -> None:
    WorkingDayFactory(workspace=team.other_workspace, weekday=3)
    before = saved(team.other_workspace)

    response = client_for(team.owner).post(
        reverse("support:working_hours", kwargs={"workspace_id": team.other_workspace.public_id}),
        WEEKDAYS,
    )

    assert response.status_code == 404
    assert saved(team.other_workspace) == before


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"closes_2": "08:00"}, "Tuesday must close after it opens, on the same day"),
        ({"opens_3": ""}, "Give the opening and closing times of Wednesday."),
        ({f"open_{d}": "" for d in range(1, 6)}, "Tick at least one open day"),
    ],
)
def test_invalid_hours_are_refused_and_change_nothing(
    team: Team, change: dict[str, str], error: str
) -> None:
    before = saved(team.workspace)

    response = client_for(team.owner).post(url(team), {**WEEKDAYS, **change})

    assert response.status_code == 400
    assert error in response.content.decode()
    assert saved(team.workspace) == before


def test_switching_off_keeps_the_hours(team: Team) -> None:
    client = client_for(team.admin)
    client.post(url(team), WEEKDAYS)

    client.post(url(team), {k: v for k, v in WEEKDAYS.items() if k != "enabled"})

    hours = selectors.working_hours_get(workspace=team.workspace)
    assert (hours.enabled, hours.counting, sorted(hours.days)) == (False, False, [1, 2, 3, 4, 5])
