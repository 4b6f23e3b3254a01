"""Health for the load balancer, and the page parents see while the database is away."""

import datetime
import sys

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils import timezone
from django.views.decorators.cache import never_cache

from comptes.pouls import dernier_signe_de_vie


@never_cache
def sante(request: HttpRequest) -> JsonResponse:
    """503 when this server cannot reach the database: the load balancer stops sending
    it parents. The worker's last sign of life is reported too, but only fails the check
    with ?worker=1 (for monitoring): a stopped worker delays e-mails, it must not take
    every web server out of the pool."""
    try:
        with connection.cursor() as curseur:
            curseur.execute("SELECT 1")
        vu_le = dernier_signe_de_vie()
    except DatabaseError:
        return JsonResponse({"base": "injoignable"}, status=503)
    limite = timezone.now() - datetime.timedelta(minutes=settings.PORTAIL_SANTE_WORKER_MINUTES)
    worker = "ok" if vu_le and vu_le >= limite else ("en retard" if vu_le else "absent")
    etat = {
        "base": "ok",
        "worker": worker,
        "worker_vu_le": vu_le.isoformat() if vu_le else None,
    }
    en_panne = worker != "ok" and "worker" in request.GET
    return JsonResponse(etat, status=503 if en_panne else 200)


def erreur_500(request: HttpRequest) -> HttpResponse:
    """Django's 500 page, except when the database is unreachable: then a French 503
    ("réessayez dans un instant") rendered without touching the database. The next
    request reconnects by itself (CONN_MAX_AGE connections are health-checked)."""
    erreur = sys.exc_info()[1]
    if isinstance(erreur, (OperationalError, InterfaceError)):
        return HttpResponse(
            loader.render_to_string("503.html"), status=503, headers={"Retry-After": "30"}
        )
    return HttpResponse(loader.render_to_string("500.html"), status=500)
