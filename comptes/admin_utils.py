"""Small helpers shared by the admin modules."""

from django.http import HttpRequest


def action_sur_lignes_choisies(request: HttpRequest) -> bool:
    """An admin action posted on explicitly ticked rows (not "select all").

    Default list filters ("à traiter") must not hide a row another agent has
    just processed: the service should say "déjà traitée" instead of Django's
    "aucun élément sélectionné". With "select all", the filter must stay.
    """
    return "action" in request.POST and request.POST.get("select_across") != "1"
