"""The child's file (issue 11): fiche sanitaire, autorisations, régime alimentaire.

Services like those of familles/services.py: plain functions, one transaction, one
FamilleError with a French message. Both households of a child reach the same rows
(Enfant.objects.for_user); every write goes through save() or the history helpers, so
simple-history records who changed what.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone

from comptes.historique import historiser
from familles.models import (
    Autorisation,
    Enfant,
    FicheSanitaire,
    PersonneAutorisee,
    Responsable,
    TypeAutorisation,
    Vaccination,
    libelle_saison,
    saison_de,
)
from familles.services import FamilleError, _valider, _valider_champs
from portail.models import Demande

CHAMPS_SANTE_ENFANT = ["allergies", "pai", "notes_sante", "medecin_traitant"]


def fiche_confirmee(enfant_id: int, jour: datetime.date | None = None) -> bool:
    """Whether a responsable has certified the child's fiche for the season of `jour`
    (today by default). One cheap query: the booking services call it only for
    activities that require it."""
    saison = saison_de(jour or timezone.localdate())
    return FicheSanitaire.objects.filter(enfant_id=enfant_id, saison_confirmee=saison).exists()


# The shared file both households write (garde alternée), with the column naming the
# child in each table's history: identity, fiche sanitaire, authorised persons. (The
# vaccinations are certified with the fiche, whose own row changes each time.)
_DOSSIER_PARTAGE = ((Enfant, "id"), (FicheSanitaire, "enfant_id"), (PersonneAutorisee, "enfant_id"))


@dataclass(frozen=True)
class Modification:
    le: datetime.datetime
    par: str  # "par vous", "par l'autre foyer"…; "" when nobody is known (a task)


def avec_derniere_modification(enfants):
    """The children with the latest history row of each table of their shared file, as
    subqueries of the children's own query (no query more, whatever their number)."""
    annotations = {}
    for i, (modele, cle) in enumerate(_DOSSIER_PARTAGE):
        dernier = modele.history.model.objects.filter(**{cle: OuterRef("pk")}).order_by(
            "-history_date", "-history_id"
        )
        annotations[f"maj{i}_le"] = Subquery(dernier.values("history_date")[:1])
        annotations[f"maj{i}_par"] = Subquery(dernier.values("history_user_id")[:1])
        annotations[f"maj{i}_service"] = Subquery(dernier.values("history_user__is_staff")[:1])
    return enfants.annotate(**annotations)


def derniere_modification(enfant: Enfant, user, foyer: set[int]) -> Modification | None:
    """Who last changed the child's file, as this parent may read it (`foyer`: the user
    ids of the parent's household): the other household is never named."""
    lignes = [
        (getattr(enfant, f"maj{i}_le"), i)
        for i in range(len(_DOSSIER_PARTAGE))
        if getattr(enfant, f"maj{i}_le", None) is not None
    ]
    if not lignes:
        return None
    le, i = max(lignes)
    par_id, service = getattr(enfant, f"maj{i}_par"), getattr(enfant, f"maj{i}_service")
    if par_id is None:
        par = ""
    elif par_id == user.pk:
        par = "par vous"
    elif par_id in foyer:
        par = "par l'autre responsable de votre foyer"
    elif service:
        par = "par le service"
    else:
        par = "par l'autre foyer"
    return Modification(le, par)


def _ligne_du_dossier(responsable: Responsable, enfant: Enfant, objet: str, donnees: dict):
    Demande.objects.create(
        famille=responsable.famille,
        demandeur=responsable,
        type=Demande.Type.ENFANT_MODIFICATION,
        statut=Demande.Statut.ACCEPTEE,
        objet=f"{enfant.prenom} {enfant.nom} : {objet}"[:250],
        donnees={"enfant": enfant.pk, **donnees},
        traitee_le=timezone.now(),
        reponse="Enregistré immédiatement.",
    )


def certifier_fiche(
    responsable: Responsable,
    enfant: Enfant,
    fiche: FicheSanitaire,
    champs_enfant: list[str],
    vaccinations_a_enregistrer: list[Vaccination],
    vaccinations_a_supprimer: list[Vaccination],
    certifie: bool,
    maintenant: datetime.datetime | None = None,
) -> FicheSanitaire:
    """Save the fiche as the responsable filled it in and record the "je certifie…":
    who, when, and the season it is valid for. Nothing is saved without it."""
    maintenant = maintenant or timezone.now()
    if not certifie:
        raise FamilleError(
            "Cochez « Je certifie… » : la fiche n'est enregistrée qu'une fois certifiée.",
            field="certifie",
        )
    if fiche.enfant_id not in (None, enfant.pk) or any(
        v.enfant_id not in (None, enfant.pk)
        for v in vaccinations_a_enregistrer + vaccinations_a_supprimer
    ):
        raise FamilleError("Cette fiche ne concerne pas cet enfant.")
    _valider_champs(enfant, ["medecin_traitant"])
    fiche.enfant = enfant
    _valider(fiche, exclude=["enfant"])
    for vaccination in vaccinations_a_enregistrer:
        vaccination.enfant = enfant
        if vaccination.date > timezone.localdate(maintenant):
            raise FamilleError("Une date de vaccination ne peut pas être dans le futur.")
        _valider(vaccination, exclude=["enfant"])
    saison = saison_de(timezone.localdate(maintenant))
    with transaction.atomic():
        # The child's two households may certify at the same moment: one after the
        # other, the second updating the fiche the first created.
        Enfant.objects.select_for_update().filter(pk=enfant.pk).first()
        if fiche.pk is None:
            fiche.pk = (
                FicheSanitaire.objects.filter(enfant=enfant).values_list("pk", flat=True).first()
            )
            fiche._state.adding = fiche.pk is None
        if champs_enfant:
            enfant.save(update_fields=[*champs_enfant, "modifie_le"])
        for vaccination in vaccinations_a_enregistrer:
            vaccination.save()
        Vaccination.objects.filter(
            enfant=enfant, pk__in=[v.pk for v in vaccinations_a_supprimer]
        ).delete()
        fiche.saison_confirmee = saison
        fiche.confirmee_le = maintenant
        fiche.confirmee_par = responsable
        fiche.save()
        _ligne_du_dossier(
            responsable,
            enfant,
            f"fiche sanitaire certifiée pour {libelle_saison(saison)}",
            {"champs": champs_enfant, "saison": saison},
        )
    return fiche


def repondre_autorisations(
    responsable: Responsable,
    enfant: Enfant,
    reponses: dict[int, tuple[bool, datetime.time | None]],
    maintenant: datetime.datetime | None = None,
) -> list[Autorisation]:
    """Record the responsable's answers {type id: (accordée, heure)}. An answer that
    differs from the one in force revokes it and starts a new dated row; an unchanged
    answer writes nothing. Returns the new rows (none: nothing changed)."""
    maintenant = maintenant or timezone.now()
    types = {t.pk: t for t in TypeAutorisation.objects.filter(active=True, pk__in=list(reponses))}
    if set(reponses) - set(types):
        raise FamilleError("Ce type d'autorisation n'est pas proposé.")
    for type_id, (accordee, heure) in reponses.items():
        if heure is not None and not (accordee and types[type_id].avec_heure):
            raise FamilleError(
                f"« {types[type_id].nom} » : une heure ne s'indique que pour une "
                "autorisation accordée qui en demande une."
            )
        if accordee and types[type_id].avec_heure and heure is None:
            raise FamilleError(f"« {types[type_id].nom} » : indiquez à partir de quelle heure.")
    with transaction.atomic():
        # Lock the child: two parents answering at once queue up (one answer in force).
        Enfant.objects.select_for_update().filter(pk=enfant.pk).first()
        en_vigueur = {
            a.type_id: a
            for a in Autorisation.objects.en_vigueur().filter(enfant=enfant, type_id__in=types)
        }
        nouvelles, revoquees = [], []
        for type_id, (accordee, heure) in sorted(reponses.items()):
            actuelle = en_vigueur.get(type_id)
            if actuelle and (actuelle.accordee, actuelle.heure) == (accordee, heure):
                continue
            if actuelle:
                revoquees.append(actuelle.pk)
            nouvelles.append(
                Autorisation(
                    enfant=enfant,
                    type=types[type_id],
                    accordee=accordee,
                    heure=heure,
                    donnee_par=responsable,
                    donnee_le=maintenant,
                )
            )
        if not nouvelles:
            return []
        if revoquees:
            anciennes = Autorisation.objects.filter(pk__in=revoquees)
            anciennes.update(revoquee_le=maintenant, revoquee_par=responsable)
            historiser(anciennes, raison="Réponse remplacée par la famille")
        for autorisation in nouvelles:
            autorisation.save()
        _ligne_du_dossier(
            responsable,
            enfant,
            "autorisations (" + ", ".join(a.libelle for a in nouvelles) + ")",
            {"autorisations": [a.pk for a in nouvelles]},
        )
    return nouvelles


def prefetch_autorisations():
    """The answers in force of a list of children, in one query, as
    `autorisations_en_vigueur`."""
    return Prefetch(
        "autorisations",
        queryset=Autorisation.objects.en_vigueur().select_related("type"),
        to_attr="autorisations_en_vigueur",
    )


def ce_que_l_enfant_peut_faire(enfant: Enfant, types: list[TypeAutorisation]) -> dict:
    """{"oui": [...], "non": [...], "sans_reponse": [...]} for the day lists. No answer
    counts as a no: the team needs a written yes. Needs `autorisations_en_vigueur`
    (prefetch_autorisations)."""
    reponses = {a.type_id: a for a in enfant.autorisations_en_vigueur}
    resultat = {"oui": [], "non": [], "sans_reponse": []}
    for t in types:
        reponse = reponses.get(t.pk)
        if reponse is None:
            resultat["sans_reponse"].append(t.nom)
        elif not reponse.accordee:
            resultat["non"].append(t.nom)
        elif reponse.heure:
            resultat["oui"].append(f"{t.nom} à partir de {reponse.heure:%H h %M}")
        else:
            resultat["oui"].append(t.nom)
    return resultat


def effacer_dossiers(enfant_ids, autorisations: bool = False) -> None:
    """RGPD: remove the fiches sanitaires and vaccinations (and, when the child's
    identity goes too, the autorisations) of these children, with their old values in
    the audit trail."""
    enfant_ids = list(enfant_ids)
    modeles = [FicheSanitaire, Vaccination] + ([Autorisation] if autorisations else [])
    for modele in modeles:
        lignes = modele.objects.filter(enfant_id__in=enfant_ids)
        ids = list(lignes.values_list("pk", flat=True))
        lignes.delete()
        modele.history.filter(id__in=ids).delete()
