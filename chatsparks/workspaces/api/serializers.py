from rest_framework import serializers

from chatsparks.workspaces.models import Invitation, Membership, Workspace
from chatsparks.workspaces.roles import Role


class WorkspaceSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)

    class Meta:
        model = Workspace
        fields = (
            "id",
            "name",
            "timezone",
            "default_language",
            "listening_window_days",
            "require_mfa",
            "created_at",
        )
        read_only_fields = ("id", "created_at")


class MyWorkspaceSerializer(serializers.Serializer):
    id = serializers.CharField(source="workspace.public_id")
    name = serializers.CharField(source="workspace.name")
    role = serializers.CharField()


class MemberSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.label")

    class Meta:
        model = Membership
        fields = ("id", "email", "name", "role", "created_at")


class InvitationSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)

    class Meta:
        model = Invitation
        fields = ("id", "email", "role", "status", "sent_at", "expires_at")
        read_only_fields = ("id", "status", "sent_at", "expires_at")


class InvitationCreateSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices, default=Role.MEMBER)
