from celery import shared_task

from flows import runner


@shared_task(name="flows.runs_wake")
def runs_wake() -> str:
    """Beat: runs whose wait is over (Wait blocks, high-intent re-checks, queued over the
    plan's limit, expiring invitations), each in its own transaction."""
    woken = 0
    for workspace_id, run_id in runner.runs_due_unscoped():
        if runner.run_wake(workspace_id=workspace_id, run_id=run_id) != "not due":
            woken += 1
    return f"woke {woken}"
