from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import ValidationError as APIValidationError

from chatsparks.workspaces import selectors, services
from chatsparks.workspaces.api.base import WorkspaceScopedAPIView
from chatsparks.workspaces.api.serializers import (
    InvitationCreateSerializer,
    InvitationSerializer,
    MemberSerializer,
    MyWorkspaceSerializer,
    WorkspaceSerializer,
)
from chatsparks.workspaces.models import Invitation, Membership
from chatsparks.workspaces.roles import Permission


class _Pages(PageNumberPagination):
    page_size = 50


class MyWorkspacesView(ListAPIView):
    """The workspaces the caller belongs to, with their role in each."""

    serializer_class = MyWorkspaceSerializer
    pagination_class = _Pages

    def get_queryset(self) -> QuerySet[Membership]:
        return selectors.membership_list_for_user(user=self.request.user)


class WorkspaceDetailView(WorkspaceScopedAPIView):
    serializer_class = WorkspaceSerializer
    permissions_by_method = {"GET": Permission.VIEW_WORKSPACE, "PATCH": Permission.EDIT_SETTINGS}

    def get(self, request: Request, workspace_id: str) -> Response:
        return Response(WorkspaceSerializer(self.workspace).data)

    def patch(self, request: Request, workspace_id: str) -> Response:
        serializer = WorkspaceSerializer(self.workspace, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            workspace = services.workspace_update(
                workspace=self.workspace, actor=request.user, **serializer.validated_data
            )
        except ValidationError as error:
            raise APIValidationError(error.message_dict) from error
        return Response(WorkspaceSerializer(workspace).data)


class MemberListView(WorkspaceScopedAPIView, ListAPIView):
    serializer_class = MemberSerializer
    pagination_class = _Pages
    permissions_by_method = {"GET": Permission.VIEW_WORKSPACE}

    def get_queryset(self) -> QuerySet[Membership]:
        return selectors.member_list(workspace=self.workspace)


class InvitationListCreateView(WorkspaceScopedAPIView, ListAPIView):
    serializer_class = InvitationSerializer
    pagination_class = _Pages
    permissions_by_method = {"GET": Permission.MANAGE_MEMBERS, "POST": Permission.MANAGE_MEMBERS}

    def get_queryset(self) -> QuerySet[Invitation]:
        return selectors.invitation_list_open(workspace=self.workspace)

    @extend_schema(request=InvitationCreateSerializer, responses=InvitationSerializer)
    def post(self, request: Request, workspace_id: str, *args: Any, **kwargs: Any) -> Response:
        payload = InvitationCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            invitation, _token = services.invitation_create(
                workspace=self.workspace,
                actor_membership=self.membership,
                email=payload.validated_data["email"],
                role=payload.validated_data["role"],
                base_url=request.build_absolute_uri("/"),
            )
        except ValidationError as error:
            raise APIValidationError({"email": error.messages}) from error
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)
