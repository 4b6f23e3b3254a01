from familles.models.documents import Document, DocumentQuerySet, TypeDocument  # noqa: F401
from familles.models.enfants import (  # noqa: F401
    JOURS_SEMAINE,
    Enfant,
    EnfantQuerySet,
    PersonneAutorisee,
    Rattachement,
)
from familles.models.fiche import (  # noqa: F401
    Autorisation,
    AutorisationQuerySet,
    FicheSanitaire,
    RegimeAlimentaire,
    TypeAutorisation,
    Vaccination,
    libelle_saison,
    saison_de,
)
from familles.models.foyers import Famille, Responsable  # noqa: F401
from familles.models.invitations import InvitationSecondFoyer  # noqa: F401
