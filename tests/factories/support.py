"""Shop chats, working hours and rating requests for the customer-service tests. Each child
takes its workspace from its parent, so one factory call never spans two tenants."""

from datetime import time

import factory
from django.utils import timezone

from inbox.models import Conversation
from support.models import RatingRequest, WorkingDay
from tests.factories.flows import ContactFactory
from tests.factories.inbox_api import InboxConversationFactory
from tests.factories.integrations import ShopConnectionFactory
from tests.factories.workspaces import WorkspaceFactory


class ShopChatFactory(InboxConversationFactory):
    """A TikTok Shop chat with a buyer, with a person (TikTok opened it: it has its id)."""

    connection = factory.SubFactory(ShopConnectionFactory)
    contact = factory.SubFactory(
        ContactFactory,
        workspace=factory.SelfAttribute("..workspace"),
        platform="tiktok_shop",
        handle="",
        display_name=factory.Sequence(lambda n: f"buyer.{n}"),
        external_id=factory.Sequence(lambda n: f"74945601097323{n:05d}"),
        shop_buyer_id=factory.SelfAttribute("external_id"),
    )
    channel = Conversation.Channel.SHOP_CHAT
    external_id = factory.Sequence(lambda n: f"71068883239226{n:05d}")
    state = Conversation.State.HUMAN


class WorkingDayFactory(factory.django.DjangoModelFactory):
    """Monday, 09:00 to 18:00."""

    class Meta:
        model = WorkingDay

    workspace = factory.SubFactory(WorkspaceFactory)
    weekday = 1
    opens = time(9)
    closes = time(18)


class RatingRequestFactory(factory.django.DjangoModelFactory):
    """A request sent now in a Shop chat, not answered yet."""

    class Meta:
        model = RatingRequest

    conversation = factory.SubFactory(ShopChatFactory)
    workspace = factory.SelfAttribute("conversation.workspace")
    connection = factory.SelfAttribute("conversation.connection")
    session_started_at = factory.LazyFunction(timezone.now)
    requested_at = factory.SelfAttribute("session_started_at")
