"""Background work of the exchange app (run by Celery beat)."""

from celery import shared_task


@shared_task(name="exchange.run_due_connections")
def run_due_connections() -> int:
    """Start every scheduled 1C connection whose interval has passed; answers how many."""
    from rapport.exchange.onec import schedule

    return len(schedule.run_due_connections())
