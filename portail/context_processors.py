from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

# url name → the rubrique highlighted in the navigation
RUBRIQUES = {
    "tableau_de_bord": "tableau_de_bord",
    "ma_famille": "ma_famille",
    "enfant_ajouter": "ma_famille",
    "enfant_modifier": "ma_famille",
    "mes_coordonnees": "mes_coordonnees",
    "mes_inscriptions": "mes_inscriptions",
    "choisir_activite": "mes_inscriptions",
    "inscrire": "mes_inscriptions",
    "inscription_detail": "mes_inscriptions",
    "calendrier": "mes_inscriptions",
    "semaine_type": "mes_inscriptions",
    "agenda": "mes_inscriptions",
    "mon_compte": "mon_compte",
    "declarer_revenus": "mon_compte",
    "mes_documents": "mes_documents",
    "deposer_document": "mes_documents",
    "deposer_document_enfant": "mes_documents",
    "mes_messages": "mes_messages",
    "ecrire_message": "mes_messages",
    "discussion": "mes_messages",
}


def _responsable(request: HttpRequest):
    if hasattr(request, "responsable"):  # set by @responsable_required: no extra query
        return request.responsable
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    from familles.models import Responsable

    try:
        return user.responsable  # (read with the user: comptes/backends.py)
    except Responsable.DoesNotExist:
        return None


def _informations_commune():
    from portail.models import InformationsCommune

    return InformationsCommune.actuelles()


def portail(request: HttpRequest) -> dict:
    match = getattr(request, "resolver_match", None)
    url_name = match.url_name if match else None
    return {
        "COMMUNE": settings.PORTAIL_COMMUNE,
        "rubrique_active": RUBRIQUES.get(url_name),
        "responsable_connecte": SimpleLazyObject(lambda: _responsable(request)),
        # The footer's contact and accessibility line: read from the cache, when used.
        "infos_commune": SimpleLazyObject(_informations_commune),
    }
