"""RQ jobs. The scheduler enqueues heartbeat() periodically (see the schedule_jobs command)."""
import logging

log = logging.getLogger("greetings")


def heartbeat():
    import django

    django.setup()
    from greetings.models import Heartbeat

    beat = Heartbeat.objects.create()
    log.info("heartbeat %s", beat.pk)
    return beat.pk
