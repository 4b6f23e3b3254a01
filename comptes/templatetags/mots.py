"""{% load mots %}: comptes/mots.py in templates.

{{ enfant|accord:"inscrit" }} → "inscrit" / "inscrite";
{{ n|nombre:"enfant attendu,enfants attendus" }} → "1 enfant attendu", "3 enfants attendus".
"""

from django import template

from comptes import mots

register = template.Library()


@register.filter
def accord(qui, mot: str) -> str:
    return mots.accord(qui, mot)


@register.filter
def nombre(n, formes: str) -> str:
    singulier, _, pluriel = formes.partition(",")
    return mots.nombre(int(n or 0), singulier, pluriel or singulier)
