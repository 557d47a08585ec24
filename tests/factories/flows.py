from datetime import timedelta

import factory
from django.utils import timezone

from flows.models import Trigger
from inbox.models import Comment, Contact
from tests.factories.integrations import ConnectionFactory


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    workspace = factory.SubFactory("tests.factories.workspaces.WorkspaceFactory")
    external_id = factory.Sequence(lambda n: f"{n:064x}")
    handle = factory.Sequence(lambda n: f"viewer{n}")
    first_seen_at = factory.LazyFunction(timezone.now)
    last_seen_at = factory.LazyFunction(timezone.now)


class TriggerFactory(factory.django.DjangoModelFactory):
    """An active keyword trigger on a TikTok connection; the workspace is the connection's."""

    class Meta:
        model = Trigger

    connection = factory.SubFactory(ConnectionFactory)
    workspace = factory.SelfAttribute("connection.workspace")
    name = factory.Sequence(lambda n: f"Trigger {n}")
    status = Trigger.Status.ACTIVE
    keywords = factory.LazyFunction(lambda: ["price"])


class CommentFactory(factory.django.DjangoModelFactory):
    """A comment on a connection's post by a contact of the same workspace."""

    class Meta:
        model = Comment

    connection = factory.SubFactory(ConnectionFactory)
    workspace = factory.SelfAttribute("connection.workspace")
    contact = factory.SubFactory(ContactFactory, workspace=factory.SelfAttribute("..workspace"))
    external_id = factory.Sequence(lambda n: f"74490000000{n:08d}")
    post_external_id = "7448811122233344455"
    text = "PRICE?"
    commented_at = factory.LazyFunction(lambda: timezone.now() - timedelta(seconds=1))
