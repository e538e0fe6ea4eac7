from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render

from greetings.models import Greeting, Heartbeat


def home(request):
    greeting = Greeting.objects.order_by("pk").first()
    last_beat = Heartbeat.objects.order_by("-pk").first()
    return render(
        request,
        "greetings/home.html",
        {
            "greeting": greeting.text if greeting else "(no greeting in the database)",
            "greetings": Greeting.objects.count(),
            "last_beat": last_beat.ran_at if last_beat else None,
            "version": settings.APP_VERSION,
        },
    )


def health(request):
    # Touches the database so a health check fails when the app cannot reach it.
    Greeting.objects.exists()
    return HttpResponse("ok", content_type="text/plain")
