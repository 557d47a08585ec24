"""Shapes of the inbox API. Output serializers name every field they expose: nothing of the
connection (tokens, account ids) and nothing of another workspace ever leaves through them."""

from datetime import datetime
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inbox import dm, routing, selectors
from inbox.api.selectors import member_user_ids
from inbox.models import Contact, Conversation, Message, RoutingRule, SavedReply, Send

REPLY_TEXT_MAX = 6000
NOTE_TEXT_MAX = 6000
MENTIONS_MAX = 50


class TeammateSerializer(serializers.Serializer):
    """A person in the workspace, as the inbox shows them (``name`` as in the members API)."""

    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    name = serializers.CharField(source="label", read_only=True)


class TriggerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class ContactSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ("id", "handle", "display_name", "avatar_url", "tags")
        read_only_fields = fields


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = (
            "id",
            "handle",
            "display_name",
            "avatar_url",
            "tags",
            "first_seen_at",
            "last_seen_at",
        )
        read_only_fields = fields


class ConversationSerializer(serializers.ModelSerializer):
    contact = ContactSummarySerializer(read_only=True)
    assignee = TeammateSerializer(read_only=True, allow_null=True)
    trigger = serializers.SerializerMethodField()
    window_ends_at = serializers.SerializerMethodField()
    can_reply = serializers.SerializerMethodField()

    class Meta:
        model = Conversation
        fields: tuple[str, ...] = (
            "id",
            "contact",
            "channel",
            "state",
            "assignee",
            "handoff_reason",
            "trigger",
            "last_message_at",
            "window_ends_at",
            "can_reply",
        )
        read_only_fields: tuple[str, ...] = fields

    @extend_schema_field(TriggerRefSerializer(allow_null=True))
    def get_trigger(self, conversation: Conversation) -> dict[str, Any] | None:
        if conversation.trigger_id is None:
            return None
        return {"id": conversation.trigger_id, "name": conversation.trigger_name}

    def get_window_ends_at(self, conversation: Conversation) -> datetime | None:
        """When TikTok's 48-hour messaging window ends (or ended); null where there is none."""
        if (
            conversation.channel != Conversation.Channel.TIKTOK_DM
            or conversation.last_inbound_at is None
        ):
            return None
        return conversation.last_inbound_at + dm.WINDOW

    def get_can_reply(self, conversation: Conversation) -> bool:
        """Whether TikTok would take a teammate's reply now (an open messaging window, or a
        Shop chat with a known buyer); when it would not, a reply answers 409 saying why."""
        return not selectors.reply_blocker(conversation)


class LastMessageSerializer(serializers.Serializer):
    """The latest message of a conversation other than a system note, for its card."""

    text = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=Message.Kind.choices, read_only=True)
    direction = serializers.ChoiceField(choices=Message.Direction.choices, read_only=True)
    sent_at = serializers.DateTimeField(read_only=True)


class ConversationListItemSerializer(ConversationSerializer):
    """A row of the list: the conversation with its last message (annotated by the list's
    selector, so a page is one query)."""

    last_message = serializers.SerializerMethodField()

    class Meta(ConversationSerializer.Meta):
        fields = (*ConversationSerializer.Meta.fields, "last_message")
        read_only_fields = fields

    @extend_schema_field(LastMessageSerializer(allow_null=True))
    def get_last_message(self, conversation: Conversation) -> dict[str, Any] | None:
        sent_at = getattr(conversation, "last_sent_at", None)
        if sent_at is None:
            return None
        return dict(
            LastMessageSerializer(
                {
                    "text": conversation.last_text,  # type: ignore[attr-defined]
                    "kind": conversation.last_kind,  # type: ignore[attr-defined]
                    "direction": conversation.last_direction,  # type: ignore[attr-defined]
                    "sent_at": sent_at,
                }
            ).data
        )


class MessageSerializer(serializers.ModelSerializer):
    author = TeammateSerializer(read_only=True, allow_null=True)
    delivery_state = serializers.ChoiceField(
        source="send.state",
        choices=Send.State.choices,
        read_only=True,
        allow_null=True,
        help_text="State of the send carrying an outbound message; null for anything else.",
    )
    delivery_error = serializers.CharField(
        source="send.error",
        read_only=True,
        allow_null=True,
        help_text="Why the send failed or was skipped, in words for the user.",
    )

    class Meta:
        model = Message
        fields = (
            "id",
            "direction",
            "kind",
            "text",
            "payload",
            "author",
            "source",
            "mentions",
            "sent_at",
            "delivery_state",
            "delivery_error",
        )
        read_only_fields = fields


class ConversationDetailSerializer(ConversationSerializer):
    messages = serializers.SerializerMethodField()

    class Meta(ConversationSerializer.Meta):
        fields = (*ConversationSerializer.Meta.fields, "messages")
        read_only_fields = fields

    @extend_schema_field(MessageSerializer(many=True))
    def get_messages(self, conversation: Conversation) -> list[dict[str, Any]]:
        """Oldest first; the view passes them in as ``context["messages"]``."""
        return list(MessageSerializer(self.context["messages"], many=True).data)


class SavedReplySerializer(serializers.ModelSerializer):
    class Meta:
        model = SavedReply
        fields = ("id", "shortcut", "text")
        read_only_fields = fields


class ConversationFilterSerializer(serializers.Serializer):
    """Query parameters of the conversation list."""

    state = serializers.ChoiceField(
        choices=Conversation.State.choices,
        required=False,
        help_text="Only this state; without it, every open conversation (bot, human, waiting).",
    )
    mine = serializers.BooleanField(
        required=False, default=False, help_text="Only conversations assigned to the caller."
    )
    unassigned = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Only the Unassigned humans view: handed to a person, no one has taken it.",
    )
    tag = serializers.CharField(
        required=False, max_length=50, help_text="Only contacts with this tag."
    )
    trigger = serializers.IntegerField(
        required=False, min_value=1, help_text="Only conversations this trigger started."
    )
    q = serializers.CharField(
        required=False,
        max_length=100,
        help_text="Search the contact's handle and name and what was said.",
    )


class SavedReplyFilterSerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False, max_length=40, help_text="Part of the shortcut, as typed after `/`."
    )


class AssignSerializer(serializers.Serializer):
    """Exactly one of the two ids, of a member of this workspace."""

    membership_id = serializers.IntegerField(required=False, min_value=1)
    user_id = serializers.IntegerField(required=False, min_value=1)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("membership_id" in attrs) == ("user_id" in attrs):
            raise serializers.ValidationError("Give either membership_id or user_id.")
        return attrs


class ReplySerializer(serializers.Serializer):
    text = serializers.CharField(
        max_length=REPLY_TEXT_MAX,
        help_text=f"Up to {REPLY_TEXT_MAX} characters; {dm.SHOP_TEXT_MAX} in TikTok Shop chat.",
    )

    def validate_text(self, text: str) -> str:
        conversation: Conversation = self.context["conversation"]
        if conversation.channel == Conversation.Channel.SHOP_CHAT and len(text) > dm.SHOP_TEXT_MAX:
            raise serializers.ValidationError(
                f"TikTok Shop chat carries at most {dm.SHOP_TEXT_MAX} characters."
            )
        return text


class NoteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=NOTE_TEXT_MAX)
    mentions = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        max_length=MENTIONS_MAX,
        help_text="User ids of the teammates @mentioned; each must be a member.",
    )

    def validate_mentions(self, mentions: list[int]) -> list[int]:
        members = member_user_ids(workspace=self.context["workspace"], user_ids=mentions)
        strangers = sorted(set(mentions) - members)
        if strangers:
            raise serializers.ValidationError(
                f"Not members of this workspace: {', '.join(map(str, strangers))}."
            )
        return sorted(set(mentions))


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(read_only=True)


class RoutingSourceSerializer(serializers.Serializer):
    """An account a routing rule listens to: a TikTok account's DMs or a TikTok Shop's chat."""

    id = serializers.IntegerField(read_only=True)
    provider = serializers.CharField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, connection: Any) -> str:
        return routing.source_label(connection)


class RoutingRuleSerializer(serializers.ModelSerializer):
    """A routing rule as it runs: conditions (an empty one is not asked), actions, and
    whether its assignee is still a member (a rule naming someone who left assigns nobody)."""

    connections = RoutingSourceSerializer(many=True, read_only=True)
    message_types = serializers.ListField(
        child=serializers.ChoiceField(choices=RoutingRule.MessageType.choices), read_only=True
    )
    keywords = serializers.ListField(child=serializers.CharField(), read_only=True)
    contact_tags = serializers.ListField(child=serializers.CharField(), read_only=True)
    assignee = TeammateSerializer(read_only=True, allow_null=True)
    assignee_is_member = serializers.BooleanField(read_only=True)

    class Meta:
        model = RoutingRule
        fields = (
            "id",
            "name",
            "is_active",
            "position",
            "combine",
            "connections",
            "message_types",
            "keywords",
            "contact_tags",
            "field_name",
            "field_value",
            "add_tag",
            "assignee",
            "assignee_is_member",
        )
        read_only_fields = fields
