from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from chatsparks.workspaces import services
from chatsparks.workspaces.managers import UnscopedQueryError
from chatsparks.workspaces.models import AuditEntry, Invitation, Membership, Workspace
from chatsparks.workspaces.roles import Role
from tests.conftest import Team, tenant_snapshot
from tests.factories import InvitationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

BASE_URL = "https://app.chatsparks.test/"


def membership_of(team: Team, user: object) -> Membership:
    return Membership.objects.for_workspace(team.workspace).get(user=user)


def test_creating_a_workspace_makes_its_creator_the_owner() -> None:
    creator = UserFactory()

    workspace = services.workspace_create(
        name="  Glow Beauty ", owner=creator, timezone_name="Asia/Bangkok"
    )

    assert workspace.name == "Glow Beauty"
    assert workspace.timezone == "Asia/Bangkok"
    assert workspace.listening_window_days == 30
    assert workspace.public_id.startswith("ws_")
    assert len(workspace.public_id) == 15
    assert list(Membership.objects.for_workspace(workspace).values_list("user", "role")) == [
        (creator.pk, "owner")
    ]
    assert AuditEntry.objects.get(workspace=workspace).action == "workspace.created"


def test_listening_window_outside_7_to_90_days_is_refused(team: Team) -> None:
    with pytest.raises(ValidationError):
        services.workspace_update(
            workspace=team.workspace, actor=team.owner, listening_window_days=6
        )
    team.workspace.refresh_from_db()
    assert team.workspace.listening_window_days == 30


def test_settings_change_is_audited_with_field_names_only(team: Team) -> None:
    services.workspace_update(
        workspace=team.workspace, actor=team.owner, name="Glow UK", listening_window_days=90
    )

    entry = AuditEntry.objects.filter(action="workspace.settings_changed").get()
    assert entry.detail == {"fields": ["listening_window_days", "name"]}
    assert entry.actor == team.owner


def test_unscoped_query_of_tenant_rows_is_an_error(team: Team) -> None:
    with pytest.raises(UnscopedQueryError):
        Invitation.objects.filter(email=team.invitation.email).first()
    assert Invitation.objects.for_workspace(team.other_workspace).count() == 0
    assert Invitation.objects.for_workspace(team.workspace).get() == team.invitation


class TestLastOwner:
    def test_the_last_owner_cannot_be_demoted(self, team: Team) -> None:
        owner = membership_of(team, team.owner)
        before = tenant_snapshot()

        with pytest.raises(ValidationError, match="always keeps one owner"):
            services.member_change_role(membership=owner, actor_membership=owner, role=Role.ADMIN)

        assert tenant_snapshot() == before

    def test_the_last_owner_cannot_be_removed_nor_leave(self, team: Team) -> None:
        owner = membership_of(team, team.owner)

        with pytest.raises(ValidationError, match="always keeps one owner"):
            services.member_remove(membership=owner, actor_membership=owner)

        assert membership_of(team, team.owner).role == Role.OWNER

    def test_with_a_second_owner_the_first_may_step_down(self, team: Team) -> None:
        owner = membership_of(team, team.owner)
        admin = membership_of(team, team.admin)
        services.member_change_role(membership=admin, actor_membership=owner, role=Role.OWNER)

        services.member_change_role(membership=owner, actor_membership=owner, role=Role.MEMBER)

        roles = dict(Membership.objects.for_workspace(team.workspace).values_list("user", "role"))
        assert roles[team.owner.pk] == "member"
        assert roles[team.admin.pk] == "owner"


class TestAdminLimits:
    def test_an_admin_cannot_make_an_owner(self, team: Team) -> None:
        admin = membership_of(team, team.admin)
        before = tenant_snapshot()

        with pytest.raises(PermissionDenied):
            services.member_change_role(
                membership=team.teammate, actor_membership=admin, role=Role.OWNER
            )

        assert tenant_snapshot() == before

    def test_an_admin_cannot_remove_or_demote_an_owner(self, team: Team) -> None:
        admin = membership_of(team, team.admin)
        owner = membership_of(team, team.owner)
        MembershipFactory(workspace=team.workspace, role=Role.OWNER)
        before = tenant_snapshot()

        with pytest.raises(PermissionDenied):
            services.member_remove(membership=owner, actor_membership=admin)
        with pytest.raises(PermissionDenied):
            services.member_change_role(membership=owner, actor_membership=admin, role=Role.MEMBER)

        assert tenant_snapshot() == before

    def test_an_admin_cannot_invite_an_owner(self, team: Team) -> None:
        admin = membership_of(team, team.admin)

        with pytest.raises(PermissionDenied):
            services.invitation_create(
                workspace=team.workspace,
                actor_membership=admin,
                email="boss@example.com",
                role=Role.OWNER,
                base_url=BASE_URL,
            )
        assert (
            not Invitation.objects.for_workspace(team.workspace)
            .filter(email="boss@example.com")
            .exists()
        )


class TestInvitations:
    def test_inviting_emails_a_join_link(
        self, team: Team, django_capture_on_commit_callbacks
    ) -> None:  # type: ignore[no-untyped-def]
        owner = membership_of(team, team.owner)

        with django_capture_on_commit_callbacks(execute=True):
            invitation, token = services.invitation_create(
                workspace=team.workspace,
                actor_membership=owner,
                email="  New.Person@Example.com ",
                role=Role.ADMIN,
                base_url=BASE_URL,
            )

        assert invitation.email == "new.person@example.com"
        assert invitation.role == "admin"
        assert invitation.expires_at - invitation.sent_at == timedelta(days=7)
        assert invitation.token_hash == services.token_hash(token) != token
        [email] = mail.outbox
        assert email.to == ["new.person@example.com"]
        assert email.subject == f"{team.owner.label} invited you to Glow Beauty on ChatSparks"
        assert f"https://app.chatsparks.test/join/{token}/" in email.body

    def test_inviting_the_same_address_twice_keeps_one_live_link(self, team: Team) -> None:
        owner = membership_of(team, team.owner)
        first, first_token = services.invitation_create(
            workspace=team.workspace,
            actor_membership=owner,
            email="x@example.com",
            role="member",
            base_url=BASE_URL,
        )

        second, second_token = services.invitation_create(
            workspace=team.workspace,
            actor_membership=owner,
            email="X@example.com",
            role="admin",
            base_url=BASE_URL,
        )

        assert second.pk == first.pk
        assert (
            Invitation.objects.for_workspace(team.workspace).filter(email="x@example.com").count()
            == 1
        )
        second.refresh_from_db()
        assert second.role == "admin"
        assert second.token_hash == services.token_hash(second_token)
        assert second_token != first_token

    def test_inviting_an_existing_member_is_refused(self, team: Team) -> None:
        owner = membership_of(team, team.owner)

        with pytest.raises(ValidationError, match="already a member"):
            services.invitation_create(
                workspace=team.workspace,
                actor_membership=owner,
                email=team.member.email.upper(),
                role="member",
                base_url=BASE_URL,
            )

    def test_accepting_joins_with_the_invited_role(self, team: Team) -> None:
        invitee = UserFactory(email=team.invitation.email)
        token = "token-accept-abcdefghijklmnop"
        team.invitation.token_hash = services.token_hash(token)
        team.invitation.role = Role.ADMIN
        team.invitation.save()

        membership = services.invitation_accept(token=token, user=invitee)

        assert (membership.workspace, membership.user, membership.role) == (
            team.workspace,
            invitee,
            "admin",
        )
        team.invitation.refresh_from_db()
        assert team.invitation.accepted_by == invitee
        assert team.invitation.status == "accepted"

    def test_a_link_works_once(self, team: Team) -> None:
        invitation = InvitationFactory(workspace=team.workspace, token="once-abcdefghijklmnopqrst")
        invitee = UserFactory(email=invitation.email)
        services.invitation_accept(token="once-abcdefghijklmnopqrst", user=invitee)

        with pytest.raises(ValidationError, match="no longer valid"):
            services.invitation_accept(token="once-abcdefghijklmnopqrst", user=invitee)

        assert Membership.objects.for_workspace(team.workspace).filter(user=invitee).count() == 1

    def test_a_forwarded_link_is_useless_to_another_address(self, team: Team) -> None:
        invitation = InvitationFactory(workspace=team.workspace, token="fwd-abcdefghijklmnopqrstu")
        stranger = UserFactory()
        before = tenant_snapshot()

        with pytest.raises(PermissionDenied, match=invitation.email):
            services.invitation_accept(token="fwd-abcdefghijklmnopqrstu", user=stranger)

        assert tenant_snapshot() == before

    @pytest.mark.parametrize("state", ["expired", "revoked"])
    def test_expired_or_revoked_links_are_refused(self, team: Team, state: str) -> None:
        invitation = InvitationFactory(workspace=team.workspace, token="dead-abcdefghijklmnopqrst")
        if state == "expired":
            invitation.expires_at = timezone.now() - timedelta(seconds=1)
        else:
            invitation.revoked_at = timezone.now()
        invitation.save()

        with pytest.raises(ValidationError, match="no longer valid"):
            services.invitation_accept(
                token="dead-abcdefghijklmnopqrst", user=UserFactory(email=invitation.email)
            )

    def test_resend_replaces_the_link_and_restarts_the_clock(self, team: Team) -> None:
        invitation = InvitationFactory(
            workspace=team.workspace,
            token="old-abcdefghijklmnopqrstu",
            sent_at=timezone.now() - timedelta(days=6),
            expires_at=timezone.now() + timedelta(days=1),
        )
        owner = membership_of(team, team.owner)

        new_token = services.invitation_resend(
            invitation=invitation, actor_membership=owner, base_url=BASE_URL
        )

        invitation.refresh_from_db()
        assert invitation.expires_at > timezone.now() + timedelta(days=6, hours=23)
        invitee = UserFactory(email=invitation.email)
        with pytest.raises(ValidationError):
            services.invitation_accept(token="old-abcdefghijklmnopqrstu", user=invitee)
        assert services.invitation_accept(token=new_token, user=invitee).workspace == team.workspace

    def test_an_email_queued_before_a_revoke_is_not_sent(self, team: Team) -> None:
        from chatsparks.workspaces.emails import invitation_email_send

        invitation = InvitationFactory(workspace=team.workspace, token="gone-abcdefghijklmnopqrs")
        services.invitation_revoke(
            invitation=invitation, actor_membership=membership_of(team, team.owner)
        )

        outcome = invitation_email_send(
            invitation_id=invitation.pk, token="gone-abcdefghijklmnopqrs", base_url=BASE_URL
        )

        assert outcome == "skipped-closed"
        assert mail.outbox == []

    def test_stale_invitations_are_forgotten_after_30_days(self, team: Team) -> None:
        stale = InvitationFactory(
            workspace=team.workspace, expires_at=timezone.now() - timedelta(days=31)
        )
        recent = InvitationFactory(
            workspace=team.workspace, expires_at=timezone.now() - timedelta(days=2)
        )

        assert services.invitations_purge_stale_unscoped() == 1

        remaining = set(
            Invitation.objects.for_workspace(team.workspace).values_list("pk", flat=True)
        )
        assert stale.pk not in remaining
        assert {recent.pk, team.invitation.pk} <= remaining


class TestClosingAnAccount:
    def test_a_wrong_confirmation_deletes_nothing(self, team: Team) -> None:
        before = tenant_snapshot()

        with pytest.raises(ValidationError, match="exactly"):
            services.workspace_close(
                workspace=team.workspace, actor=team.owner, confirmation="glow beauty"
            )

        assert tenant_snapshot() == before

    def test_closing_deletes_the_workspace_data_and_leaves_an_audit_entry(self, team: Team) -> None:
        public_id = team.workspace.public_id

        services.workspace_close(
            workspace=team.workspace, actor=team.owner, confirmation="Glow Beauty"
        )

        assert not Workspace.objects.filter(public_id=public_id).exists()
        assert not Membership.unscoped.filter(workspace__public_id=public_id).exists()
        assert not Invitation.unscoped.filter(email=team.invitation.email).exists()
        entry = AuditEntry.objects.get(action="workspace.closed")
        assert (entry.workspace, entry.workspace_public_id, entry.actor) == (
            None,
            public_id,
            team.owner,
        )
        assert entry.detail == {}
        # The people themselves keep their accounts and other workspaces.
        assert Workspace.objects.filter(pk=team.other_workspace.pk).exists()
