"""Conversations, messages and saved replies for the inbox API and usage tests. Each child
takes its workspace from its parent, so one factory call never spans two tenants."""

from datetime import timedelta

import factory
from django.utils import timezone

from inbox.models import Conversation, Message, SavedReply
from tests.factories.flows import ContactFactory
from tests.factories.integrations import ConnectionFactory
from tests.factories.workspaces import WorkspaceFactory


class InboxConversationFactory(factory.django.DjangoModelFactory):
    """A TikTok DM thread the bot has. ``window_open=True`` gives it a messaging window the
    contact opened an hour ago."""

    class Meta:
        model = Conversation

    class Params:
        window_open = factory.Trait(
            last_inbound_at=factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
        )

    connection = factory.SubFactory(ConnectionFactory)
    workspace = factory.SelfAttribute("connection.workspace")
    contact = factory.SubFactory(ContactFactory, workspace=factory.SelfAttribute("..workspace"))
    channel = Conversation.Channel.TIKTOK_DM
    external_id = factory.Sequence(lambda n: f"conv-{n:06d}")
    state = Conversation.State.BOT
    last_message_at = factory.LazyFunction(timezone.now)


class InboxMessageFactory(factory.django.DjangoModelFactory):
    """A message from the contact."""

    class Meta:
        model = Message

    conversation = factory.SubFactory(InboxConversationFactory)
    workspace = factory.SelfAttribute("conversation.workspace")
    direction = Message.Direction.INBOUND
    kind = Message.Kind.TEXT
    text = "how much is the serum?"
    sent_at = factory.LazyFunction(timezone.now)


class InboxSavedReplyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SavedReply

    workspace = factory.SubFactory(WorkspaceFactory)
    shortcut = factory.Sequence(lambda n: f"reply-{n}")
    text = "Thanks for asking! Here is the link."
