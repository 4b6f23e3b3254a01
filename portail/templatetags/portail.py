from django import template

register = template.Library()


@register.filter
def pluriel(nombre, suffixe: str = "s") -> str:
    """French plural: 0 and 1 are singular ("0 date", "1 date", "2 dates")."""
    try:
        return suffixe if abs(int(nombre)) > 1 else ""
    except (TypeError, ValueError):
        return ""


@register.filter
def get_item(dictionnaire: dict, cle: str):
    return dictionnaire.get(cle)
