"""Household rules: who belongs where, what a parent may change and how."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from comptes.errors import DomainError
from comptes.historique import creer_en_masse, historiser
from familles.models import Enfant, Famille, PersonneAutorisee, Rattachement, Responsable
from familles.validators import normaliser_telephone
from portail.models import Demande

MAX_RESPONSABLES = 2
TELEPHONES = ("telephone_mobile", "telephone_fixe", "telephone_travail")


class FamilleError(DomainError):
    pass


def creer_famille(user, coordonnees: dict) -> Responsable:
    """A new household with its first Responsable (sign-up or staff creation)."""
    famille = Famille(
        nom=f"Famille {coordonnees['nom']}".strip()[: Famille._meta.get_field("nom").max_length],
        adresse=coordonnees.get("adresse", ""),
        complement_adresse=coordonnees.get("complement_adresse", ""),
        code_postal=coordonnees.get("code_postal", ""),
        ville=coordonnees.get("ville", ""),
    )
    _valider_champs(famille, ["nom"])
    with transaction.atomic():
        famille.save()
        return ajouter_responsable(famille, user, coordonnees)


def ajouter_responsable(famille: Famille, user, coordonnees: dict) -> Responsable:
    with transaction.atomic():
        # Lock the household so that two simultaneous additions cannot both pass.
        Famille.objects.select_for_update().get(pk=famille.pk)
        if famille.responsables.count() >= MAX_RESPONSABLES:
            raise FamilleError("Un foyer compte au plus deux responsables légaux.")
        champs = {k: coordonnees.get(k, "") for k in Responsable.CHAMPS_COORDONNEES}
        responsable = Responsable(user=user, famille=famille, **champs)
        _valider(responsable, exclude=["user", "famille"])
        responsable.save()
        return responsable


def _valider(instance, exclude=None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise FamilleError(messages[0], field=field) from None


def _valider_champs(instance, champs: list[str]) -> None:
    """Only the named fields (names typed by a person: one line, no control character)."""
    autres = [f.name for f in instance._meta.fields if f.name not in champs]
    _valider(instance, exclude=autres)


NOMS_ENFANT = ["nom", "prenom"]
NOMS_PERSONNE = ["nom", "prenom", "lien"]


def verifier_date_naissance(date_naissance: datetime.date) -> None:
    if date_naissance > timezone.localdate():
        raise FamilleError(
            "La date de naissance ne peut pas être dans le futur.", field="date_naissance"
        )


def ajouter_enfant(
    responsable: Responsable, enfant: Enfant, personnes: list[PersonneAutorisee]
) -> Enfant:
    """Applied at once, and recorded in the household's timeline."""
    verifier_date_naissance(enfant.date_naissance)
    _valider_champs(enfant, NOMS_ENFANT)
    for personne in personnes:
        _valider_champs(personne, NOMS_PERSONNE)
    with transaction.atomic():
        enfant.save()
        Rattachement.objects.create(enfant=enfant, famille=responsable.famille)
        # The declared count (used for the quotient's parts) follows; staff may correct it.
        familles = Famille.objects.filter(pk=responsable.famille_id)
        familles.update(nombre_enfants_a_charge=F("nombre_enfants_a_charge") + 1)
        historiser(familles, raison="Enfant ajouté")
        for personne in personnes:
            personne.enfant = enfant
        creer_en_masse(PersonneAutorisee, personnes)
        Demande.objects.create(
            famille=responsable.famille,
            demandeur=responsable,
            type=Demande.Type.ENFANT_AJOUT,
            statut=Demande.Statut.ACCEPTEE,
            objet=f"{enfant.prenom} {enfant.nom}",
            donnees={"enfant": enfant.pk},
            traitee_le=timezone.now(),
            reponse="Enregistré immédiatement.",
        )
    return enfant


def modifier_enfant(
    responsable: Responsable,
    enfant: Enfant,
    champs_modifies: list[str],
    personnes_a_enregistrer: list[PersonneAutorisee],
    personnes_a_supprimer: list[PersonneAutorisee],
) -> Enfant:
    """Save the child and its pick-up persons, and record what changed."""
    verifier_date_naissance(enfant.date_naissance)
    _valider_champs(enfant, NOMS_ENFANT)
    for personne in personnes_a_enregistrer:
        _valider_champs(personne, NOMS_PERSONNE)
    if any(
        p.enfant_id not in (None, enfant.pk)
        for p in personnes_a_enregistrer + personnes_a_supprimer
    ):
        raise FamilleError("Cette personne autorisée ne concerne pas cet enfant.")
    with transaction.atomic():
        enfant.save()
        for personne in personnes_a_enregistrer:
            personne.enfant = enfant
            personne.save()
        PersonneAutorisee.objects.filter(
            enfant=enfant, pk__in=[p.pk for p in personnes_a_supprimer]
        ).delete()
        libelles = [str(Enfant._meta.get_field(f).verbose_name) for f in champs_modifies]
        if personnes_a_enregistrer or personnes_a_supprimer:
            libelles.append("personnes autorisées")
        if libelles:
            Demande.objects.create(
                famille=responsable.famille,
                demandeur=responsable,
                type=Demande.Type.ENFANT_MODIFICATION,
                statut=Demande.Statut.ACCEPTEE,
                objet=f"{enfant.prenom} {enfant.nom} : {', '.join(libelles)}"[:250],
                donnees={"enfant": enfant.pk, "champs": champs_modifies},
                traitee_le=timezone.now(),
                reponse="Enregistré immédiatement.",
            )
    return enfant


def demande_coordonnees_en_attente(responsable: Responsable) -> Demande | None:
    return (
        Demande.objects.en_attente()
        .filter(demandeur=responsable, type=Demande.Type.COORDONNEES)
        .first()
    )


def demander_modification_coordonnees(responsable: Responsable, valeurs: dict) -> Demande:
    """Record the change for staff to accept; a second request replaces the pending one."""
    valeurs = {k: (valeurs.get(k) or "").strip() for k in Responsable.CHAMPS_COORDONNEES}
    for champ in TELEPHONES:
        try:
            valeurs[champ] = normaliser_telephone(valeurs[champ])
        except ValidationError as exc:
            raise FamilleError(exc.messages[0], field=champ) from None
    _valider(
        Responsable(user=responsable.user, famille=responsable.famille, **valeurs),
        exclude=["user", "famille"],
    )
    changements = {
        champ: valeur for champ, valeur in valeurs.items() if valeur != getattr(responsable, champ)
    }
    with transaction.atomic():
        # Lock the parent first: two simultaneous first requests then queue up
        # instead of both inserting (the second updates the first).
        Responsable.objects.select_for_update().get(pk=responsable.pk)
        en_attente = (
            Demande.objects.select_for_update()
            .filter(
                demandeur=responsable,
                type=Demande.Type.COORDONNEES,
                statut=Demande.Statut.EN_ATTENTE,
            )
            .first()
        )
        if not changements:
            if en_attente is None:
                raise FamilleError("Vous n'avez modifié aucune information.")
            # Back to the current values: the pending request has no object left.
            en_attente.delete()
            return en_attente
        libelles = [str(Responsable._meta.get_field(c).verbose_name) for c in changements]
        objet = f"{responsable} : {', '.join(libelles)}"[:250]
        if en_attente is not None:
            en_attente.donnees = changements
            en_attente.objet = objet
            en_attente.cree_le = timezone.now()
            en_attente.save(update_fields=["donnees", "objet", "cree_le"])
            return en_attente
        return Demande.objects.create(
            famille=responsable.famille,
            demandeur=responsable,
            type=Demande.Type.COORDONNEES,
            objet=objet,
            donnees=changements,
        )


def appliquer_modification_coordonnees(demande: Demande) -> None:
    """Called by staff acceptance, inside its transaction."""
    responsable = Responsable.objects.select_for_update().filter(pk=demande.demandeur_id).first()
    if responsable is None:
        raise FamilleError(
            "Le responsable qui a fait cette demande n'existe plus : refusez-la avec un motif."
        )
    champs = [c for c in demande.donnees if c in Responsable.CHAMPS_COORDONNEES]
    for champ in champs:
        setattr(responsable, champ, demande.donnees[champ])
    _valider(responsable, exclude=["user", "famille"])
    responsable.save(update_fields=champs)
