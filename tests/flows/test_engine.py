"""Which trigger a comment fires, and the log of why."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from flows import engine
from flows.models import Evaluation, Trigger
from integrations.models import Post, Product
from tests.factories import CommentFactory, ConnectionFactory, ContactFactory, TriggerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def connection() -> Any:
    return ConnectionFactory()


def comment(connection: Any, text: str, **extra: Any) -> Any:
    return CommentFactory(connection=connection, text=text, **extra)


def decide(connection: Any, text: str, **extra: Any) -> Evaluation:
    return engine.comment_evaluate(comment=comment(connection, text, **extra))


def test_only_the_highest_priority_match_fires(connection: Any) -> None:
    TriggerFactory(
        connection=connection, name="Any question", keywords=[], on_question=True, priority=2
    )
    price = TriggerFactory(connection=connection, name="Price", keywords=["price"], priority=1)

    evaluation = decide(connection, "PRICE?")

    assert (evaluation.outcome, evaluation.trigger) == ("fired", price)
    assert evaluation.reason == "matched “Price”"


def test_drafts_do_not_fire(connection: Any) -> None:
    TriggerFactory(connection=connection, status=Trigger.Status.DRAFT)

    evaluation = decide(connection, "price")

    assert (evaluation.outcome, evaluation.reason) == (
        "no_match",
        "no active trigger on this account",
    )


def test_a_non_match_says_what_was_tried(connection: Any) -> None:
    TriggerFactory(connection=connection, name="Price", keywords=["price"])

    evaluation = decide(connection, "so pricey")

    assert (evaluation.outcome, evaluation.reason) == ("no_match", "matched none of “Price”")


def test_the_same_person_and_trigger_fire_once_a_day(connection: Any) -> None:
    trigger = TriggerFactory(connection=connection, name="Price")
    viewer = ContactFactory(workspace=connection.workspace)

    first = decide(connection, "price", contact=viewer)
    second = decide(connection, "price??", contact=viewer)
    someone_else = decide(connection, "price")

    assert [first.outcome, second.outcome, someone_else.outcome] == ["fired", "throttled", "fired"]
    assert second.trigger == trigger
    Evaluation.unscoped.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(hours=25))
    assert decide(connection, "price!", contact=viewer).outcome == "fired"


def test_a_comment_is_decided_once(connection: Any) -> None:
    TriggerFactory(connection=connection)
    the_comment = comment(connection, "price")

    first = engine.comment_evaluate(comment=the_comment)
    again = engine.comment_evaluate(comment=the_comment)

    assert first.pk == again.pk
    assert Evaluation.objects.for_workspace(connection.workspace).count() == 1


def test_posts_older_than_the_listening_window_trigger_nothing(connection: Any) -> None:
    TriggerFactory(connection=connection)
    old = Post.unscoped.create(
        workspace=connection.workspace, connection=connection, external_id="1",
        published_at=timezone.now() - timedelta(days=31),
    )  # fmt: skip

    evaluation = decide(connection, "price", post=old, post_external_id="1")

    assert (evaluation.outcome, evaluation.reason) == (
        "not_eligible",
        "post older than the 30-day listening window",
    )


@pytest.mark.parametrize(
    ("combine", "text", "fires"),
    [("any", "price", True), ("all", "price", False), ("all", "price?", True)],
)
def test_conditions_combine_with_and_or(
    connection: Any, combine: str, text: str, fires: bool
) -> None:
    TriggerFactory(connection=connection, keywords=["price"], on_question=True, combine=combine)

    assert (decide(connection, text).outcome == "fired") is fires


def test_first_comment_ever_from_this_person(connection: Any) -> None:
    TriggerFactory(connection=connection, keywords=[], on_first_comment=True)
    viewer = ContactFactory(workspace=connection.workspace)

    first = decide(
        connection, "hello", contact=viewer, commented_at=timezone.now() - timedelta(hours=30)
    )
    later = decide(connection, "hello again", contact=viewer)

    assert first.outcome == "fired"
    assert later.outcome == "no_match"


def test_a_specific_video_scope(connection: Any) -> None:
    TriggerFactory(connection=connection, scope=Trigger.Scope.SPECIFIC, post_ids=["111"])

    assert decide(connection, "price", post_external_id="111").outcome == "fired"
    assert decide(connection, "price", post_external_id="222").outcome == "no_match"


def test_mentioning_a_product_from_the_catalog(connection: Any) -> None:
    shop = ConnectionFactory(workspace=connection.workspace, provider="tiktok_shop")
    Product.unscoped.create(
        workspace=connection.workspace, connection=shop, external_id="p1", title="Glow Serum"
    )
    TriggerFactory(connection=connection, keywords=[], on_sku_mention=True)

    assert decide(connection, "is the glow serum vegan?").outcome == "fired"
    assert decide(connection, "is it vegan?").outcome == "no_match"


def test_a_thai_keyword(connection: Any) -> None:
    TriggerFactory(connection=connection, keywords=["ราคา"])

    assert decide(connection, "ราคาเท่าไหร่คะ").outcome == "fired"


def test_publishing_a_change_rebuilds_the_matcher(connection: Any) -> None:
    trigger = TriggerFactory(connection=connection, keywords=["price"])
    assert decide(connection, "link").outcome == "no_match"

    trigger.keywords = ["link"]
    trigger.save()

    assert decide(connection, "link").outcome == "fired"


def test_a_trigger_summarises_its_conditions(connection: Any) -> None:
    trigger = TriggerFactory(
        connection=connection, keywords=["price", "link"], on_question=True, combine="all"
    )

    assert trigger.summary == "keywords price, link and a question"
