"""Registers the periodic jobs with rq-scheduler; idempotent (an existing schedule is replaced)."""
from django.conf import settings
from django.core.management.base import BaseCommand
from redis import Redis
from rq_scheduler import Scheduler

from datetime import datetime, timezone

JOB_ID = "greetings-heartbeat"


class Command(BaseCommand):
    help = "Schedule the heartbeat job every --interval seconds (default 60)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=int, default=60)

    def handle(self, *args, interval, **options):
        scheduler = Scheduler(connection=Redis.from_url(settings.REDIS_URL))
        if JOB_ID in scheduler:
            scheduler.cancel(JOB_ID)
        scheduler.schedule(
            scheduled_time=datetime.now(timezone.utc),
            func="greetings.jobs.heartbeat",
            interval=interval,
            repeat=None,
            id=JOB_ID,
        )
        self.stdout.write(f"scheduled {JOB_ID} every {interval}s")
