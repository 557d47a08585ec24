import re
from datetime import UTC, datetime

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.urls import reverse

from chatsparks.workspaces.models import Invitation, Membership
from chatsparks.workspaces.roles import Role
from tests.conftest import Team, client_for, tenant_snapshot
from tests.factories import InvitationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(name: str, team: Team, **kwargs: object) -> str:
    return reverse(name, kwargs={"workspace_id": team.workspace.public_id, **kwargs})


def page_text(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", response.content.decode())


def visible_text(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.content.decode()))


def test_signing_in_lands_on_the_last_workspace_used(team: Team) -> None:
    second = MembershipFactory(user=team.owner, role=Role.MEMBER, workspace__name="Second Shop")
    client = client_for(team.owner)

    client.get(url("inbox:inbox", team))
    assert client.get("/")["Location"] == f"/w/{team.workspace.public_id}/"

    client.get(reverse("flows:flow_list", kwargs={"workspace_id": second.workspace.public_id}))
    assert client.get("/")["Location"] == f"/w/{second.workspace.public_id}/"


def test_someone_without_a_workspace_is_asked_to_create_one(db: object) -> None:
    client = client_for(UserFactory())

    assert client.get("/")["Location"] == reverse("workspaces:create")

    response = client.post(
        reverse("workspaces:create"), {"name": "Glow", "timezone": "Asia/Jakarta"}
    )
    membership = Membership.unscoped.get(user__in=[response.wsgi_request.user])
    assert membership.role == "owner"
    assert response["Location"] == f"/w/{membership.workspace.public_id}/"


def test_the_switcher_lists_every_workspace_with_its_role(team: Team) -> None:
    MembershipFactory(user=team.member, role=Role.ADMIN, workspace__name="Side Hustle")

    text = page_text(client_for(team.member).get(url("inbox:inbox", team)))

    assert "Glow Beauty" in text
    assert "Side Hustle" in text
    assert re.search(r"Glow Beauty</span> <span class=\"chip\">Member", text)
    assert re.search(r"Side Hustle</span> <span class=\"chip\">Admin", text)


def test_settings_page_shows_the_workspace_id_and_only_owners_may_edit(team: Team) -> None:
    owner_text = page_text(client_for(team.owner).get(url("workspaces:settings_general", team)))
    member_text = page_text(client_for(team.member).get(url("workspaces:settings_general", team)))

    assert team.workspace.public_id in owner_text
    assert team.workspace.public_id in member_text
    assert "Save changes" in owner_text
    assert "Save changes" not in member_text
    assert "Only owners can change these settings." in member_text


def test_owner_saves_settings(team: Team) -> None:
    response = client_for(team.owner).post(
        url("workspaces:settings_general", team),
        {
            "name": "Glow TH",
            "timezone": "Asia/Bangkok",
            "default_language": "th",
            "listening_window_days": 60,
            "require_mfa": "",
        },
    )

    assert response.status_code == 302
    team.workspace.refresh_from_db()
    assert (
        team.workspace.name,
        team.workspace.timezone,
        team.workspace.default_language,
        team.workspace.listening_window_days,
    ) == (
        "Glow TH",
        "Asia/Bangkok",
        "th",
        60,
    )


def test_an_out_of_range_listening_window_is_explained_and_nothing_saved(team: Team) -> None:
    before = tenant_snapshot()

    response = client_for(team.owner).post(
        url("workspaces:settings_general", team),
        {"name": "Glow", "timezone": "UTC", "default_language": "en", "listening_window_days": 120},
    )

    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 90." in page_text(response)
    assert tenant_snapshot() == before


def test_a_promotion_takes_effect_on_the_very_next_request(team: Team) -> None:
    member_client = client_for(team.member)
    invite = url("workspaces:invitation_create", team)
    assert (
        member_client.post(invite, {"email": "a@example.com", "role": "member"}).status_code == 403
    )

    membership = Membership.objects.for_workspace(team.workspace).get(user=team.member)
    client_for(team.owner).post(
        url("workspaces:member_change_role", team, membership_id=membership.pk), {"role": "admin"}
    )

    assert (
        member_client.post(invite, {"email": "a@example.com", "role": "member"}).status_code == 302
    )
    assert Invitation.objects.for_workspace(team.workspace).filter(email="a@example.com").exists()


def test_a_removed_teammate_loses_access_on_the_next_request(team: Team) -> None:
    member_client = client_for(team.member)
    inbox = url("inbox:inbox", team)
    assert member_client.get(inbox).status_code == 200

    membership = Membership.objects.for_workspace(team.workspace).get(user=team.member)
    client_for(team.owner).post(url("workspaces:member_remove", team, membership_id=membership.pk))

    assert member_client.get(inbox).status_code == 404


def test_demoting_the_last_owner_says_why_and_changes_nothing(team: Team) -> None:
    owner = Membership.objects.for_workspace(team.workspace).get(user=team.owner)
    client = client_for(team.owner)
    before = tenant_snapshot()

    response = client.post(
        url("workspaces:member_change_role", team, membership_id=owner.pk),
        {"role": "member"},
        follow=True,
    )

    assert "A workspace always keeps one owner." in page_text(response)
    assert tenant_snapshot() == before


def test_a_member_can_leave(team: Team) -> None:
    membership = Membership.objects.for_workspace(team.workspace).get(user=team.member)

    response = client_for(team.member).post(
        url("workspaces:member_remove", team, membership_id=membership.pk)
    )

    assert response.status_code == 302
    assert not Membership.objects.for_workspace(team.workspace).filter(user=team.member).exists()


def test_another_workspaces_member_or_invitation_is_a_404(team: Team) -> None:
    foreign_member = Membership.objects.for_workspace(team.other_workspace).get()
    foreign_invitation = InvitationFactory(workspace=team.other_workspace)
    client = client_for(team.owner)
    before = tenant_snapshot()

    assert (
        client.post(
            url("workspaces:member_change_role", team, membership_id=foreign_member.pk),
            {"role": "member"},
        ).status_code
        == 404
    )
    assert (
        client.post(
            url("workspaces:member_remove", team, membership_id=foreign_member.pk)
        ).status_code
        == 404
    )
    assert (
        client.post(
            url("workspaces:invitation_revoke", team, invitation_id=foreign_invitation.pk)
        ).status_code
        == 404
    )
    assert (
        client.post(
            url("workspaces:invitation_resend", team, invitation_id=foreign_invitation.pk)
        ).status_code
        == 404
    )
    assert tenant_snapshot() == before


def test_invite_shows_pending_with_resend_and_revoke(
    team: Team, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(team.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("workspaces:invitation_create", team),
            {"email": "kim@example.com", "role": "member"},
            follow=True,
        )

    assert "Invitation sent to kim@example.com as Member." in visible_text(response)
    text = page_text(response)
    row = re.search(r'<tr data-invitation="kim@example.com">.*?</tr>', text)
    assert row is not None
    assert "Pending" in row.group(0)
    assert "Resend" in row.group(0)
    assert "Revoke" in row.group(0)
    assert mail.outbox[-1].to == ["kim@example.com"]


class TestJoining:
    def test_a_dead_link_says_so(self, db: object) -> None:
        response = client_for(None).get(reverse("invitation_join", kwargs={"token": "nope"}))

        assert response.status_code == 410
        assert "This invitation link no longer works" in page_text(response)

    def test_a_newcomer_signs_up_from_the_link_without_a_second_verification_mail(
        self, team: Team
    ) -> None:
        invitation = InvitationFactory(
            workspace=team.workspace, token="join-abcdefghijklmnopqrst", email="newbie@example.com"
        )
        client = client_for(None)
        join = reverse("invitation_join", kwargs={"token": "join-abcdefghijklmnopqrst"})
        assert "Create an account" in page_text(client.get(join))

        signup = client.post(
            reverse("account_signup") + f"?next={join}",
            {
                "email": "newbie@example.com",
                "password1": "a-Strong-passphrase-9",
                "password2": "a-Strong-passphrase-9",
            },
        )
        assert signup["Location"] == join
        assert mail.outbox == []

        accepted = client.post(join)

        membership = Membership.objects.for_workspace(team.workspace).get(
            user__email="newbie@example.com"
        )
        assert membership.role == invitation.role
        assert accepted["Location"] == f"/w/{team.workspace.public_id}/"

    def test_signed_in_as_someone_else_the_page_says_whom_it_is_for(self, team: Team) -> None:
        invitation = InvitationFactory(workspace=team.workspace, token="other-abcdefghijklmnopqr")

        text = page_text(
            client_for(team.outsider).get(
                reverse("invitation_join", kwargs={"token": "other-abcdefghijklmnopqr"})
            )
        )

        assert f"this invitation is for {invitation.email}" in text
        assert "Join workspace" not in text


def test_close_account_with_the_wrong_name_keeps_everything(team: Team) -> None:
    before = tenant_snapshot()

    response = client_for(team.owner).post(
        url("workspaces:billing", team), {"confirmation": "Glow"}
    )

    assert response.status_code == 200
    assert "Type the workspace name exactly as shown to confirm." in page_text(response)
    assert tenant_snapshot() == before


class TestRequiredTwoFactor:
    def test_a_teammate_without_an_authenticator_is_sent_to_set_one_up(self, team: Team) -> None:
        team.workspace.require_mfa = True
        team.workspace.save()

        response = client_for(team.member).get(url("inbox:inbox", team))

        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")

    def test_with_an_authenticator_the_workspace_opens(self, team: Team) -> None:
        team.workspace.require_mfa = True
        team.workspace.save()
        Authenticator.objects.create(
            user=team.member, type=Authenticator.Type.TOTP, data={"secret": "x"}
        )

        assert client_for(team.member).get(url("inbox:inbox", team)).status_code == 200

    def test_the_api_refuses_until_set_up(self, team: Team) -> None:
        team.workspace.require_mfa = True
        team.workspace.save()

        response = client_for(team.member).get(url("api-workspace", team))

        assert response.status_code == 403
        assert response.json() == {"detail": "This workspace requires two-factor authentication."}


def test_times_show_in_the_workspace_time_zone(team: Team) -> None:
    team.workspace.timezone = "Asia/Bangkok"
    team.workspace.save()
    membership = Membership.objects.for_workspace(team.workspace).get(user=team.member)
    Membership.unscoped.filter(pk=membership.pk).update(
        created_at=datetime(2026, 3, 1, 20, 30, tzinfo=UTC)
    )

    text = page_text(client_for(team.owner).get(url("workspaces:members", team)))

    # 20:30 UTC on 1 March is already 2 March in Bangkok (UTC+7).
    assert 'datetime="2026-03-02T03:30:00+07:00">2 Mar 2026' in text
