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
from comptes.models.jetons import JetonFormulaire  # noqa: F401
from comptes.models.recouvrement import (  # noqa: F401
    EtapeRelance,
    LignePrelevement,
    MandatSepa,
    RelanceFacture,
    RemisePrelevement,
)
from comptes.models.taches import PoulsWorker, TacheFacturation  # noqa: F401
from comptes.models.utilisateurs import Courriel, User, UserManager  # noqa: F401
