"""{% load argent %} {{ montant|euros }}: amounts in templates, through comptes.formats."""

from decimal import InvalidOperation

from django import template

from comptes import formats

register = template.Library()


@register.filter
def euros(valeur) -> str:
    """ "18,90 €"; nothing for None, "" or what is not an amount (a page never fails on
    a bad value, e.g. the test bank's query string)."""
    try:
        return formats.euros(valeur)
    except (InvalidOperation, TypeError, ValueError):
        return ""
