import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError

_CODE_POSTAL = re.compile(r"^(?:0[1-9]|[1-8]\d|9[0-8])\d{3}$")


def valider_une_ligne(value: str) -> None:
    """A name or other one-line text: no line break nor other control character.

    A line break in a name ends up in e-mail subjects, where it blocks the message
    (and would be a header injection if let through)."""
    if any(c in value for c in "\r\n\u2028\u2029\x85"):
        raise ValidationError(
            "Ce champ ne peut pas contenir de retour à la ligne.", code="retour_ligne"
        )
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise ValidationError(
            "Ce champ contient un caractère invisible non autorisé (tabulation…).",
            code="caractere_controle",
        )


def valider_code_postal(value: str) -> None:
    if not _CODE_POSTAL.match(value or ""):
        raise ValidationError(
            "Le code postal doit compter 5 chiffres, par exemple 44000.", code="code_postal"
        )


def normaliser_telephone(value: str) -> str:
    """Return the number as "06 12 34 56 78" (or +xx … abroad); raise ValidationError."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            "Ce numéro de téléphone n'est pas valide ; saisissez 10 chiffres, "
            "par exemple 06 12 34 56 78.",
            code="telephone",
        )
    if number.country_code == 33:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def valider_telephone(value: str) -> None:
    normaliser_telephone(value)
