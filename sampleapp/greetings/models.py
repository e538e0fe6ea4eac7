from django.db import models


class Greeting(models.Model):
    """A line of text the home page reads from the database."""

    text = models.CharField(max_length=200)
    created = models.DateTimeField(auto_now_add=True)


class Heartbeat(models.Model):
    """One row per run of the scheduled RQ job, so the page can show the worker is alive."""

    ran_at = models.DateTimeField(auto_now_add=True)
