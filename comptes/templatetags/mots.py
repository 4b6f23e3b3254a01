"""{% load mots %}: comptes/mots.py in templates.

{{ enfant|accord:"inscrit" }} → "inscrit" / "inscrite";
{{ n|nombre:"enfant attendu,enfants attendus" }} → "1 enfant attendu", "3 enfants attendus";
{{ enfant.prenom|de }} → "d'Hugo", "de Léa"; {{ mois|date:"F Y"|de }} → "d'octobre 2026";
{{ enfant.prenom|elide:"que" }} → "qu'Hugo".
"""

from django import template
from django.utils.html import format_html

from comptes import mots

register = template.Library()


@register.filter
def accord(qui, mot: str) -> str:
    return mots.accord(qui, mot)


@register.filter
def nombre(n, formes: str) -> str:
    singulier, _, pluriel = formes.partition(",")
    return mots.nombre(int(n or 0), singulier, pluriel or singulier)


def _elide(article: str, mot, autoescape: bool) -> str:
    # The word is escaped, the article written by the template is not: pages read
    # "d'Hugo", not "d&#x27;Hugo".
    debut = mots.article_devant(article, mot)
    if autoescape:
        return format_html(debut.replace("{", "{{").replace("}", "}}") + "{}", mot)
    return debut + str(mot)


@register.filter(needs_autoescape=True)
def de(mot, autoescape=True) -> str:
    return _elide("de", mot, autoescape)


@register.filter(needs_autoescape=True)
def elide(mot, article: str, autoescape=True) -> str:
    return _elide(article, mot, autoescape)
