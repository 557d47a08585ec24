import pytest
from celery import shared_task
from django.db import transaction

from chatsparks.celery import app, enqueue_on_commit

CALLS: list[dict[str, object]] = []


@shared_task(name="tests.record")
def record(**kwargs: object) -> str:
    CALLS.append(kwargs)
    return "ok"


def test_the_four_named_queues_exist_and_route_by_task_name() -> None:
    assert [q.name for q in app.conf.task_queues] == ["webhooks", "sends", "sync", "default"]
    router = app.amqp.router
    assert router.route({}, "webhooks.ingest")["queue"].name == "webhooks"
    assert router.route({}, "sends.dm")["queue"].name == "sends"
    assert router.route({}, "workspaces.invitation_email_send")["queue"].name == "default"


def test_workers_prefetch_one_and_speak_json_only() -> None:
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_serializer == "json"
    assert app.conf.task_time_limit == 120


@pytest.mark.django_db(transaction=True)
def test_enqueue_waits_for_the_commit_and_drops_work_on_rollback() -> None:
    CALLS.clear()
    with transaction.atomic():
        enqueue_on_commit(record, n=1)
        assert CALLS == []
    assert CALLS == [{"n": 1}]

    def enqueue_then_fail() -> None:
        with transaction.atomic():
            enqueue_on_commit(record, n=2)
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        enqueue_then_fail()
    assert CALLS == [{"n": 1}]
