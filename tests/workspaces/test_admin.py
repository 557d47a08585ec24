import pytest
from django.urls import reverse

from chatsparks.workspaces.models import AuditEntry
from tests.conftest import Team, client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def support(db: object):  # type: ignore[no-untyped-def]
    return client_for(UserFactory(is_staff=True, is_superuser=True))


@pytest.mark.parametrize("model", ["workspace", "membership", "invitation", "auditentry"])
def test_support_can_search_every_workspace_table(team: Team, support, model: str) -> None:  # type: ignore[no-untyped-def]
    response = support.get(
        reverse(f"admin:workspaces_{model}_changelist"), {"q": team.workspace.public_id}
    )

    assert response.status_code == 200


def test_a_workspace_is_found_by_its_id_or_a_members_email(team: Team, support) -> None:  # type: ignore[no-untyped-def]
    changelist = reverse("admin:workspaces_workspace_changelist")

    by_id = support.get(changelist, {"q": team.workspace.public_id}).context["cl"].result_list
    by_email = support.get(changelist, {"q": team.member.email}).context["cl"].result_list

    assert list(by_id) == [team.workspace]
    assert list(by_email) == [team.workspace]


def test_the_invitation_page_never_shows_the_token_hash(team: Team, support) -> None:  # type: ignore[no-untyped-def]
    response = support.get(reverse("admin:workspaces_invitation_change", args=[team.invitation.pk]))

    assert response.status_code == 200
    assert team.invitation.token_hash not in response.content.decode()


def test_the_audit_log_is_read_only(team: Team, support) -> None:  # type: ignore[no-untyped-def]
    entry = AuditEntry.objects.create(
        workspace=team.workspace,
        workspace_public_id=team.workspace.public_id,
        action="workspace.created",
    )

    assert support.get(reverse("admin:workspaces_auditentry_add")).status_code == 403
    assert (
        support.post(
            reverse("admin:workspaces_auditentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
