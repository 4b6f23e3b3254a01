"""System checks of the financial side (`manage.py check --deploy`)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def banque_de_test(app_configs, **kwargs):
    """The test bank makes any online payment "paid" without money: never in production."""
    if not settings.PAIEMENT_BANQUE_DE_TEST:
        return []
    return [
        checks.Warning(
            "PAIEMENT_BANQUE_DE_TEST est actif : la banque de test et les paiements en mode "
            "test sont acceptés, une facture peut passer pour payée sans aucun versement.",
            hint="Réservé à la démonstration : PAIEMENT_BANQUE_DE_TEST=0 en production.",
            id="comptes.W001",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def nombre_de_proxys(app_configs, **kwargs):
    """Behind a proxy, rate limits must key on each parent's own address."""
    if settings.DEBUG or settings.TRUSTED_PROXY_COUNT_DEFINI:
        return []
    return [
        checks.Warning(
            "TRUSTED_PROXY_COUNT n'est pas défini.",
            hint=(
                "Indiquez le nombre de proxys devant l'application (0 si aucun) : sans lui, "
                "derrière un proxy, tous les parents partagent l'adresse du proxy et les "
                "limites de tentatives de connexion les bloquent ensemble."
            ),
            id="portail.W001",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def cache_partage(app_configs, **kwargs):
    """Login rate limits count in the cache: a per-process one multiplies them."""
    if settings.DEBUG or settings.CACHE_PARTAGE:
        return []
    return [
        checks.Warning(
            "Le cache est local à chaque processus (CACHE=local).",
            hint=(
                "En production, CACHE=database puis `manage.py createcachetable` : sinon "
                "chaque processus gunicorn et chaque serveur compte ses propres tentatives "
                "de connexion, et la limite est multipliée d'autant."
            ),
            id="portail.W002",
        )
    ]
