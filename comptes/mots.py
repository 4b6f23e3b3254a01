"""Words that fit: agreement from the child's recorded sex and real plurals (issue 12).

One helper for each, used by every app and, through {% load mots %}, by templates:
`accord(enfant, "inscrit")` gives "inscrit" or "inscrite"; `nombre(3, "inscription
validée", "inscriptions validées")` gives "3 inscriptions validées"; `de("octobre")` gives
"d'octobre" and `de("Léa")` "de Léa" (elision).
"""

import re
import unicodedata

from django.utils.translation import ngettext

# Feminine forms that are not the masculine + "e".
_FEMININS = {"nouveau": "nouvelle", "seul": "seule", "sportif": "sportive"}


def feminin(mot: str) -> str:
    if mot in _FEMININS:
        return _FEMININS[mot]
    if mot.endswith("e") and not mot.endswith("é"):
        return mot
    return mot + "e"


def _sexe(qui) -> str:
    """The code "f", "g" or "" from an Enfant, an attestation's content (a dict) or the code."""
    if isinstance(qui, str):
        return qui
    if isinstance(qui, dict):
        return qui.get("sexe", "")
    return getattr(qui, "sexe", "") or ""


def accord(qui, mot: str) -> str:
    """`mot` agreed with the child: feminine for a girl, masculine for a boy, both forms
    ("né(e)") only for a record that does not say (an old attestation's snapshot)."""
    sexe = _sexe(qui)
    if sexe == "f":
        return feminin(mot)
    if sexe == "g":
        return mot
    return f"{mot}({feminin(mot)[len(mot) :] or 'e'})"


def selon(n: int, singulier: str, pluriel: str) -> str:
    """The form for `n`, as French says it: 0 and 1 take the singular (an untranslated
    ngettext would put 0 in the plural)."""
    return ngettext(singulier, pluriel, n if abs(n) >= 2 else 1)


def nombre(n: int, singulier: str, pluriel: str) -> str:
    """ "1 inscription validée", "0 inscription validée", "3 inscriptions validées"."""
    return f"{n} {selon(n, singulier, pluriel)}"


# Elision. A word that starts with a vowel sound elides "de", "que", "le"... ("d'octobre",
# "qu'Hugo", "l'accueil"). An h is silent only in the words listed here (lower case, without
# accents): most first names and words in h sound "muet" to some ears and "aspiré" to others,
# so the list keeps the common ones that are muet for everybody; any other h keeps "de"
# ("de Hanna", "de handball"). Add a word here when a page reads wrong, not before.
_H_MUET = {
    "hector",
    "helene",
    "heloise",
    "hippolyte",
    "hortense",
    "hugo",
    "habitant",
    "heure",
    "hiver",
    "horaire",
    "hopital",
    "hotel",
    "huile",
}
_VOYELLES = "aeiou"


def _sans_accent(mot: str) -> str:
    """ "Élise" → "elise", "Œdipe" → "oedipe": the letters that decide the elision."""
    mot = mot.lower().replace("œ", "oe").replace("æ", "ae")
    decompose = unicodedata.normalize("NFD", mot)
    return "".join(c for c in decompose if not unicodedata.combining(c))


def commence_par_une_voyelle(mot: str) -> bool:
    """Whether `mot` (a first name, a month, an activity) starts with a vowel sound.

    "y" counts as a vowel before a consonant ("Yves", "Ylan") but not before a vowel
    ("Yanis", "yaourt"); "h" only in the short list above."""
    lettres = _sans_accent(mot.strip())
    if not lettres:
        return False
    premiere = lettres[0]
    if premiere in _VOYELLES:
        return True
    if premiere == "y":
        return len(lettres) > 1 and lettres[1].isalpha() and lettres[1] not in _VOYELLES + "y"
    if premiere == "h":
        debut = re.split(r"[^a-z]", lettres)[0]
        return debut in _H_MUET or (debut.endswith("s") and debut[:-1] in _H_MUET)
    return False


def article_devant(article: str, mot) -> str:
    """`article` as written before `mot`: "d'" before "octobre", "de " before "décembre"."""
    if article[-1:].lower() in "ea" and commence_par_une_voyelle(str(mot)):
        return f"{article[:-1]}'"
    return f"{article} "


def elide(article: str, mot) -> str:
    """`article` then `mot`, elided when French elides it: elide("de", "octobre") is
    "d'octobre", elide("que", "Hugo") "qu'Hugo", elide("le", "accueil") "l'accueil",
    elide("de", "Léa") "de Léa". The article keeps its capital ("D'octobre")."""
    return f"{article_devant(article, mot)}{mot}"


def de(mot) -> str:
    """ "d'octobre", "de décembre", "d'Hugo", "de Léa": "de" before a month, a first name or
    an activity."""
    return elide("de", mot)
