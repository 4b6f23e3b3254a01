from comptes.models.finances import (  # noqa: F401
    CompteurFactures,
    Facture,
    LigneFacture,
    Paiement,
    QuotientFamilial,
    Revenu,
    Tarif,
    TrancheTarif,
    TransactionEnLigne,
)
from comptes.models.utilisateurs import Courriel, User, UserManager  # noqa: F401
