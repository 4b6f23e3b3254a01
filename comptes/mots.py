"""Words that fit: agreement from the child's recorded sex and real plurals (issue 12).

One helper for each, used by every app and, through {% load mots %}, by templates:
`accord(enfant, "inscrit")` gives "inscrit" or "inscrite"; `nombre(3, "inscription
validée", "inscriptions validées")` gives "3 inscriptions validées".
"""

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
