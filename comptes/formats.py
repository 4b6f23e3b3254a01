"""Money as people read it: the one path every amount takes to a page, a PDF, an e-mail
or the admin ("1 234,50 €": narrow no-break space between thousands, comma, no-break
space before the euro sign).

Written by hand rather than with django.utils.formats.number_format: e-mails and PDFs
are rendered by the background worker, where the active language (hence the locale's
separators) is not guaranteed, and number_format would print an unquantized Decimal
(SQLite's sums) with all its digits.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENTIME = Decimal("0.01")
ESPACE_FINE = "\u202f"  # narrow no-break space: groups of thousands
ESPACE_INSECABLE = "\u00a0"  # no-break space: before "€"
MOINS = "\u2212"  # the typographic minus sign, as the invoices list shows credit notes
_SEPARATEURS = str.maketrans({",": ESPACE_FINE, ".": ","})


def au_centime(valeur) -> Decimal:
    """A Decimal rounded to the cent, half up (18.9000000000000 -> 18.90, 0.125 -> 0.13).

    Floats go through their shortest text (0.1 stays 0.1, not 0.1000000000000000055).
    Raises InvalidOperation or TypeError for what is not a finite number."""
    if isinstance(valeur, float):
        valeur = str(valeur)
    montant = Decimal(valeur)
    if not montant.is_finite():
        raise InvalidOperation(f"Montant non fini : {valeur!r}")
    return montant.quantize(CENTIME, rounding=ROUND_HALF_UP)


def euros(valeur) -> str:
    """ "1 234,50 €" for 1234.5; "−18,90 €" for -18.9; "" for None or ""."""
    if valeur is None or valeur == "":
        return ""
    montant = au_centime(valeur)
    signe = MOINS if montant < 0 else ""  # -0.001 rounds to 0,00 €, unsigned
    chiffres = format(abs(montant), ",.2f").translate(_SEPARATEURS)
    return f"{signe}{chiffres}{ESPACE_INSECABLE}€"
