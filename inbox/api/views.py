"""The shared inbox over JSON: conversations, their messages, the handoff actions, replies,
notes, contacts and saved replies. Thin: each view parses, calls one service or selector, and
serializes. Every view is a ``WorkspaceScopedAPIView`` (404 for outsiders, 403 for a role
that falls short) and every method asks for ``USE_INBOX``.

Actions are safe to repeat: taking a conversation you already hold, assigning it to whoever
has it, handing back one the bot has or closing a closed one answers 200 and changes nothing,
so a double click leaves one system note, not two.
"""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from chatsparks.workspaces.api.base import WorkspaceScopedAPIView
from chatsparks.workspaces.roles import Permission
from inbox import routing, selectors, services
from inbox.api import selectors as api_selectors
from inbox.api.serializers import (
    AssignSerializer,
    ContactSerializer,
    ConversationDetailSerializer,
    ConversationFilterSerializer,
    ConversationListItemSerializer,
    ConversationSerializer,
    ErrorSerializer,
    MessageSerializer,
    NoteSerializer,
    ReplySerializer,
    RoutingRuleSerializer,
    SavedReplyFilterSerializer,
    SavedReplySerializer,
)
from inbox.models import Contact, Conversation, RoutingRule, SavedReply

_TAGS = ["inbox"]
_READ = {"GET": Permission.USE_INBOX}
_WRITE = {"POST": Permission.USE_INBOX}
_NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such conversation here.")
_INVALID = OpenApiResponse(description="The payload is invalid (field errors).")


class _Pages(PageNumberPagination):
    page_size = 50


class _LongPages(PageNumberPagination):
    page_size = 200


class ReplyConflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "TikTok would not carry this message now."
    default_code = "window_closed"


class _ConversationView(WorkspaceScopedAPIView):
    """A view about one conversation named in the URL."""

    serializer_class = ConversationSerializer

    def access_conversation(self, conversation_id: int) -> Conversation:
        """The workspace's conversation, or 404 for missing and not-yours alike."""
        found = selectors.conversation_get(
            workspace=self.workspace, conversation_id=conversation_id
        )
        if found is None:
            raise NotFound("No such conversation.")
        return found

    def conversation_response(self, conversation_id: int) -> Response:
        fresh = self.access_conversation(conversation_id)
        return Response(ConversationSerializer(fresh).data)


class ConversationListView(WorkspaceScopedAPIView, ListAPIView):
    """Open conversations (or one state's), newest activity first, 50 a page."""

    serializer_class = ConversationListItemSerializer
    pagination_class = _Pages
    permissions_by_method = _READ

    @extend_schema(
        operation_id="inbox_conversations_list",
        tags=_TAGS,
        parameters=[ConversationFilterSerializer],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Conversation]:
        filters = ConversationFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        return api_selectors.conversation_list_filtered(
            workspace=self.workspace,
            user=self.request.user,
            state=data.get("state", ""),
            mine=data["mine"],
            unassigned=data["unassigned"],
            tag=data.get("tag", ""),
            trigger_id=data.get("trigger"),
            search=data.get("q", ""),
        )


class ConversationDetailView(_ConversationView):
    """One conversation with all of its messages, oldest first."""

    serializer_class = ConversationDetailSerializer
    permissions_by_method = _READ

    @extend_schema(
        operation_id="inbox_conversation_retrieve",
        tags=_TAGS,
        responses={200: ConversationDetailSerializer, 404: _NOT_FOUND},
    )
    def get(self, request: Request, workspace_id: str, conversation_id: int) -> Response:
        conversation = self.access_conversation(conversation_id)
        messages = selectors.message_list(conversation=conversation).select_related(
            "author", "send"
        )
        return Response(
            ConversationDetailSerializer(conversation, context={"messages": messages}).data
        )


class _ConversationActionView(_ConversationView):
    """POST with no body: one handoff action. ``already_done`` says the conversation is where
    the action would put it, so repeating the action changes nothing."""

    permissions_by_method = _WRITE

    def already_done(self, conversation: Conversation, actor: Any) -> bool:
        raise NotImplementedError

    def act(self, conversation: Conversation, actor: Any) -> None:
        raise NotImplementedError

    def post(self, request: Request, workspace_id: str, conversation_id: int) -> Response:
        conversation = self.access_conversation(conversation_id)
        if not self.already_done(conversation, request.user):
            self.act(conversation, request.user)
        return self.conversation_response(conversation_id)


_ACTION_RESPONSES = {200: ConversationSerializer, 404: _NOT_FOUND}


@extend_schema_view(
    post=extend_schema(
        operation_id="inbox_conversation_take",
        tags=_TAGS,
        request=None,
        responses=_ACTION_RESPONSES,
        description="The caller takes the conversation: the bot sends nothing more in it.",
    )
)
class ConversationTakeView(_ConversationActionView):
    def already_done(self, conversation: Conversation, actor: Any) -> bool:
        return (
            conversation.state == Conversation.State.HUMAN and conversation.assignee_id == actor.pk
        )

    def act(self, conversation: Conversation, actor: Any) -> None:
        services.conversation_take(conversation=conversation, user=actor)


@extend_schema_view(
    post=extend_schema(
        operation_id="inbox_conversation_hand_back",
        tags=_TAGS,
        request=None,
        responses=_ACTION_RESPONSES,
        description="Back to the bot, which resumes where the flow left off.",
    )
)
class ConversationHandBackView(_ConversationActionView):
    def already_done(self, conversation: Conversation, actor: Any) -> bool:
        return conversation.state == Conversation.State.BOT and conversation.assignee_id is None

    def act(self, conversation: Conversation, actor: Any) -> None:
        services.conversation_hand_back(conversation=conversation, actor=actor)


@extend_schema_view(
    post=extend_schema(
        operation_id="inbox_conversation_close",
        tags=_TAGS,
        request=None,
        responses=_ACTION_RESPONSES,
        description="Closed conversations leave the main view; a new message reopens them.",
    )
)
class ConversationCloseView(_ConversationActionView):
    def already_done(self, conversation: Conversation, actor: Any) -> bool:
        return conversation.state == Conversation.State.CLOSED

    def act(self, conversation: Conversation, actor: Any) -> None:
        services.conversation_close(conversation=conversation, actor=actor)


class ConversationAssignView(_ConversationView):
    permissions_by_method = _WRITE

    @extend_schema(
        operation_id="inbox_conversation_assign",
        tags=_TAGS,
        request=AssignSerializer,
        responses={200: ConversationSerializer, 400: _INVALID, 404: _NOT_FOUND},
        description="Assign to a member of this workspace, by membership id or user id.",
    )
    def post(self, request: Request, workspace_id: str, conversation_id: int) -> Response:
        conversation = self.access_conversation(conversation_id)
        payload = AssignSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        teammate = api_selectors.teammate_get(
            workspace=self.workspace,
            membership_id=payload.validated_data.get("membership_id"),
            user_id=payload.validated_data.get("user_id"),
        )
        if teammate is None:
            raise ValidationError({"assignee": ["No such member in this workspace."]})
        already = (
            conversation.state == Conversation.State.HUMAN
            and conversation.assignee_id == teammate.user_id
        )
        if not already:
            services.conversation_assign(
                conversation=conversation, assignee=teammate.user, actor=request.user
            )
        return self.conversation_response(conversation_id)


class ConversationReplyView(_ConversationView):
    permissions_by_method = _WRITE

    @extend_schema(
        operation_id="inbox_conversation_reply",
        tags=_TAGS,
        request=ReplySerializer,
        responses={
            201: MessageSerializer,
            400: _INVALID,
            404: _NOT_FOUND,
            409: OpenApiResponse(
                ErrorSerializer,
                description="TikTok would not carry it now (the messaging window is closed).",
            ),
        },
        description=(
            "Queue a DM to the contact from the caller. The bot's conversation (or an "
            "unassigned one) becomes the caller's first. The message's delivery_state "
            "follows the send: pending, then sent or failed."
        ),
    )
    def post(self, request: Request, workspace_id: str, conversation_id: int) -> Response:
        conversation = self.access_conversation(conversation_id)
        payload = ReplySerializer(data=request.data, context={"conversation": conversation})
        payload.is_valid(raise_exception=True)
        try:
            [send] = services.conversation_reply(
                conversation=conversation, author=request.user, text=payload.validated_data["text"]
            )
        except services.ReplyRefused as refused:
            raise ReplyConflict(str(refused)) from refused
        message = selectors.message_list(conversation=conversation).get(send=send)
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)


class ConversationNoteView(_ConversationView):
    permissions_by_method = _WRITE

    @extend_schema(
        operation_id="inbox_conversation_note",
        tags=_TAGS,
        request=NoteSerializer,
        responses={201: MessageSerializer, 400: _INVALID, 404: _NOT_FOUND},
        description="An internal note, never sent to the contact; may @mention members.",
    )
    def post(self, request: Request, workspace_id: str, conversation_id: int) -> Response:
        conversation = self.access_conversation(conversation_id)
        payload = NoteSerializer(data=request.data, context={"workspace": self.workspace})
        payload.is_valid(raise_exception=True)
        message = services.note_add(
            conversation=conversation,
            author=request.user,
            text=payload.validated_data["text"],
            mentions=payload.validated_data["mentions"],
        )
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)


class ContactListView(WorkspaceScopedAPIView, ListAPIView):
    """Contacts, most recently seen first, 50 a page."""

    serializer_class = ContactSerializer
    pagination_class = _Pages
    permissions_by_method = _READ

    @extend_schema(operation_id="inbox_contacts_list", tags=_TAGS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Contact]:
        return selectors.contact_list(workspace=self.workspace)


class SavedReplyListView(WorkspaceScopedAPIView, ListAPIView):
    """Saved replies by shortcut, for the composer's ``/`` search."""

    serializer_class = SavedReplySerializer
    pagination_class = _LongPages
    permissions_by_method = _READ

    @extend_schema(
        operation_id="inbox_saved_replies_list", tags=_TAGS, parameters=[SavedReplyFilterSerializer]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[SavedReply]:
        filters = SavedReplyFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return api_selectors.saved_reply_list_search(
            workspace=self.workspace, search=filters.validated_data.get("q", "")
        )


class RoutingRuleListView(WorkspaceScopedAPIView, ListAPIView):
    """The workspace's routing rules in the order they run (first first), active or paused.
    Read-only here: owners and admins edit them under Inbox settings → Routing rules."""

    serializer_class = RoutingRuleSerializer
    pagination_class = _LongPages
    permissions_by_method = _READ

    @extend_schema(operation_id="inbox_routing_rules_list", tags=_TAGS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[RoutingRule]:
        return routing.routing_rule_list(workspace=self.workspace)
