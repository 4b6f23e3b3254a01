"""Enrolment rules: who may join what, when, how staff decide, and attestations."""

import calendar
import datetime
import secrets

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

from comptes.errors import DomainError
from comptes.mots import accord, de
from familles.models import Enfant, Responsable, saison_de
from inscriptions import emails
from inscriptions.models import Activite, Attestation, Inscription, age_en_mois
from portail.models import Demande


class InscriptionError(DomainError):
    pass


def _date(jour: datetime.date) -> str:
    return date_format(jour, "j F Y")


def _quand(moment: datetime.datetime) -> str:
    return date_format(timezone.localtime(moment), "j F Y à H:i")


def _ages(activite: Activite) -> str:
    """Inclusive bounds as a parent reads them: 36–143 months is "de 3 à 11 ans"."""

    def en_clair(mois: int, borne_haute: bool = False) -> str:
        if mois % 12 == 0 or (borne_haute and mois % 12 == 11):
            return f"{mois // 12} an{'s' if mois // 12 > 1 else ''}"
        return f"{mois} mois"

    mini, maxi = activite.age_minimum_mois, activite.age_maximum_mois
    if mini is not None and maxi is not None:
        return f"de {en_clair(mini)} à {en_clair(maxi, borne_haute=True)}"
    if mini is not None:
        return f"à partir de {en_clair(mini)}"
    return f"jusqu'à {en_clair(maxi, borne_haute=True)}"


def _age_convient(activite: Activite, naissance: datetime.date, jour: datetime.date) -> bool:
    age = age_en_mois(naissance, jour)
    if activite.age_minimum_mois is not None and age < activite.age_minimum_mois:
        return False
    return not (activite.age_maximum_mois is not None and age > activite.age_maximum_mois)


NIVEAUX = ["tps", "ps", "ms", "gs", "cp", "ce1", "ce2", "cm1", "cm2", "college"]


def classe_pour_periode(enfant: Enfant, periode, aujourd_hui: datetime.date) -> str:
    """The class the child will be in during the season.

    Enrolments for next year open in spring: a CE1 pupil then enrols as a CE2, and a
    child not yet at school enters petite section the year they turn 3.
    """
    annees = saison_de(periode.debut) - saison_de(aujourd_hui)
    if annees <= 0:
        return enfant.classe
    if enfant.classe in NIVEAUX:
        return NIVEAUX[min(NIVEAUX.index(enfant.classe) + annees, len(NIVEAUX) - 1)]
    if enfant.classe == "":
        age_a_la_rentree = saison_de(periode.debut) - enfant.date_naissance.year
        if age_a_la_rentree >= 3:
            return NIVEAUX[min(age_a_la_rentree - 2, len(NIVEAUX) - 1)]
    return enfant.classe


def premier_jour_possible(
    activite: Activite, aujourd_hui: datetime.date, enfant: Enfant | None = None
) -> datetime.date:
    """The earliest start: today or the season's first day, or the day the child
    reaches the minimum age if that comes later."""
    jour = max(activite.periode.debut, aujourd_hui)
    if enfant is not None and activite.age_minimum_mois is not None:
        jour = max(jour, _date_age(enfant.date_naissance, activite.age_minimum_mois))
    return min(jour, activite.periode.fin)


def _date_age(naissance: datetime.date, mois: int) -> datetime.date:
    """The day a child born on `naissance` is `mois` months old."""
    index = naissance.year * 12 + naissance.month - 1 + mois
    annee, mois_ = divmod(index, 12)
    dernier = calendar.monthrange(annee, mois_ + 1)[1]
    if naissance.day > dernier:
        # Born on the 31st: consistent with age_en_mois, the month is complete on the 1st.
        return datetime.date(annee, mois_ + 1, dernier) + datetime.timedelta(days=1)
    return datetime.date(annee, mois_ + 1, naissance.day)


def motif_non_proposee(
    enfant: Enfant,
    activite: Activite,
    deja_inscrit: bool,
    maintenant: datetime.datetime | None = None,
) -> str | None:
    """Why this child cannot be enrolled in this activity now (None: it can)."""
    maintenant = maintenant or timezone.now()
    aujourd_hui = timezone.localdate(maintenant)
    if deja_inscrit:
        return f"{enfant.prenom} est déjà {accord(enfant, 'inscrit')} à cette activité."
    if maintenant < activite.ouverture_inscriptions:
        return f"Les inscriptions ouvrent le {_quand(activite.ouverture_inscriptions)}."
    if maintenant >= activite.fermeture_inscriptions:
        return f"Les inscriptions sont closes depuis le {_quand(activite.fermeture_inscriptions)}."
    if activite.periode.fin < aujourd_hui:
        return "Cette période est terminée."
    if (
        activite.niveaux
        and classe_pour_periode(enfant, activite.periode, aujourd_hui) not in activite.niveaux
    ):
        classes = dict(Enfant.Classe.choices)
        admises = ", ".join(str(classes.get(n, n)) for n in activite.niveaux)
        return f"Réservée aux classes suivantes : {admises}."
    debut, fin = premier_jour_possible(activite, aujourd_hui), activite.periode.fin
    trop_jeune_a_la_fin = (
        activite.age_minimum_mois is not None
        and age_en_mois(enfant.date_naissance, fin) < activite.age_minimum_mois
    )
    trop_age_au_debut = (
        activite.age_maximum_mois is not None
        and age_en_mois(enfant.date_naissance, debut) > activite.age_maximum_mois
    )
    if trop_jeune_a_la_fin or trop_age_au_debut:
        return f"Réservée aux enfants {_ages(activite)}."
    return None


def _verifier_dates(
    enfant: Enfant,
    activite: Activite,
    debut: datetime.date,
    fin: datetime.date,
    aujourd_hui: datetime.date,
) -> None:
    periode = activite.periode
    if fin < debut:
        raise InscriptionError("La date de fin doit suivre la date de début.", field="date_fin")
    if debut < periode.debut or fin > periode.fin:
        raise InscriptionError(
            f"Les dates doivent être comprises dans la période {periode.nom}, "
            f"du {_date(periode.debut)} au {_date(periode.fin)}.",
            field="date_debut" if debut < periode.debut or debut > periode.fin else "date_fin",
        )
    if debut < aujourd_hui:
        raise InscriptionError("La date de début ne peut pas être passée.", field="date_debut")
    if not _age_convient(activite, enfant.date_naissance, debut):
        raise InscriptionError(
            f"Au {_date(debut)}, {enfant.prenom} n'aura pas l'âge requis : l'activité accueille "
            f"les enfants {_ages(activite)}.",
            field="date_debut",
        )


def _nb_inscrits(activite: Activite) -> int:
    # Children, not enrolments: a child in garde alternée enrolled by both households
    # holds one place.
    return activite.inscriptions.validees().values("enfant_id").distinct().count()


def _place_deja_tenue(enfant_id: int, activite: Activite) -> bool:
    """The child already holds a place through the other household's enrolment."""
    return activite.inscriptions.validees().filter(enfant_id=enfant_id).exists()


def places_restantes(activite: Activite) -> int | None:
    if activite.capacite is None:
        return None
    return max(0, activite.capacite - _nb_inscrits(activite))


def objet_demande(inscription: Inscription) -> str:
    activite = inscription.activite
    return (
        f"{inscription.enfant.prenom} {inscription.enfant.nom} — {activite.nom}, "
        f"{activite.site.nom} ({activite.periode.nom})"
    )[:250]


def demander_inscription(
    responsable: Responsable,
    enfant: Enfant,
    activite: Activite,
    debut: datetime.date,
    fin: datetime.date,
    commentaire: str = "",
    maintenant: datetime.datetime | None = None,
    en_attente: bool = False,
    demande_groupee: Demande | None = None,
) -> Inscription:
    """The parent's request: an Inscription and its Demande, in one transaction.

    An automatic activity validates at once while places remain; a full one, a
    manual one or a petite-enfance pre-enrolment waits for staff. `en_attente`: staff
    decide in any case (a re-enrolment campaign is validated in bulk by activity).
    `demande_groupee`: the request this enrolment belongs to (a réinscription's, one for
    all its activities) instead of one of its own; staff decide it in any case.
    """
    en_attente = en_attente or demande_groupee is not None
    maintenant = maintenant or timezone.now()
    with transaction.atomic():
        # Lock the activity: counting its places and inserting must not interleave.
        activite = (
            Activite.objects.select_for_update(of=("self",), no_key=True)
            .select_related("periode", "site")
            .get(pk=activite.pk)
        )
        # Per household: in garde alternée each household enrols the child in its own name.
        deja = (
            Inscription.objects.actives()
            .filter(enfant=enfant, famille=responsable.famille, activite=activite)
            .exists()
        )
        motif = motif_non_proposee(enfant, activite, deja, maintenant)
        if motif:
            raise InscriptionError(motif)
        _verifier_dates(enfant, activite, debut, fin, timezone.localdate(maintenant))
        inscription = Inscription(
            enfant=enfant,
            famille=responsable.famille,
            activite=activite,
            date_debut=debut,
            date_fin=fin,
            commentaire=commentaire.strip(),
            statut=(
                Inscription.Statut.PREINSCRIPTION
                if activite.preinscription
                else Inscription.Statut.EN_ATTENTE
            ),
            cree_le=maintenant,
            demande_groupee=demande_groupee,
        )
        demande = Demande(
            famille=responsable.famille,
            demandeur=responsable,
            type=Demande.Type.INSCRIPTION,
            objet=objet_demande(inscription),
            cree_le=maintenant,
        )
        automatique = (
            activite.validation == Activite.Validation.AUTOMATIQUE
            and not activite.preinscription
            and not en_attente
        )
        if automatique and (
            places_restantes(activite) != 0 or _place_deja_tenue(enfant.pk, activite)
        ):
            inscription.statut = Inscription.Statut.VALIDEE
            inscription.decidee_le = maintenant
            demande.statut = Demande.Statut.ACCEPTEE
            demande.traitee_le = maintenant
            demande.reponse = "Inscription validée automatiquement."
        elif automatique:
            demande.reponse = ""
            demande.objet = f"{demande.objet} — activité complète"[:250]
        try:
            with transaction.atomic():
                inscription.save()
        except IntegrityError:
            raise InscriptionError(
                f"{enfant.prenom} est déjà {accord(enfant, 'inscrit')} à cette activité."
            ) from None
        if demande_groupee is None:
            demande.inscription = inscription
            demande.save()
        if inscription.est_validee:
            emails.inscription_decidee(inscription)  # both parents hear of it
    return inscription


# --- staff decisions -----------------------------------------------------------------


def _demande_en_attente(inscription_id: int, type_: str) -> Demande | None:
    """The pending request about this enrolment: its own, or (réinscription) the one it
    shares with the other activities chosen for the child."""
    concernee = Q(inscription_id=inscription_id)
    if type_ == Demande.Type.INSCRIPTION:
        concernee |= Q(
            pk__in=Inscription.objects.filter(pk=inscription_id).values("demande_groupee")
        )
    return (
        Demande.objects.select_for_update(of=("self",), no_key=True)
        .filter(concernee, type=type_, statut=Demande.Statut.EN_ATTENTE)
        .first()
    )


def _verrouiller(inscription_id: int) -> Inscription:
    return (
        Inscription.objects.select_for_update(of=("self",), no_key=True)
        .select_related("enfant", "activite__site", "activite__periode", "famille")
        .get(pk=inscription_id)
    )


def _valider(inscription: Inscription, agent) -> None:
    """Inside the caller's transaction, the Inscription row already locked."""
    if not inscription.est_a_decider:
        raise InscriptionError(
            f"L'inscription {de(inscription.enfant)} à {inscription.activite.nom} est déjà "
            f"{inscription.get_statut_display().lower()}."
        )
    activite = Activite.objects.select_for_update(no_key=True).get(pk=inscription.activite_id)
    if activite.capacite is not None and not _place_deja_tenue(inscription.enfant_id, activite):
        inscrits = _nb_inscrits(activite)
        if inscrits >= activite.capacite:
            raise InscriptionError(
                f"{activite.nom} ({activite.site}) est complète ({inscrits}/{activite.capacite} "
                f"places occupées) : l'inscription {de(inscription.enfant)} reste en attente."
            )
    inscription.statut = Inscription.Statut.VALIDEE
    inscription.decidee_le = timezone.now()
    inscription.decidee_par = agent
    inscription.motif_refus = ""
    inscription.save(update_fields=["statut", "decidee_le", "decidee_par", "motif_refus"])


def _refuser(inscription: Inscription, agent, motif: str) -> None:
    if not inscription.est_a_decider:
        raise InscriptionError(
            f"L'inscription {de(inscription.enfant)} à {inscription.activite.nom} est déjà "
            f"{inscription.get_statut_display().lower()}."
        )
    inscription.statut = Inscription.Statut.REFUSEE
    inscription.decidee_le = timezone.now()
    inscription.decidee_par = agent
    inscription.motif_refus = motif
    inscription.save(update_fields=["statut", "decidee_le", "decidee_par", "motif_refus"])


def _clore_demande(demande: Demande | None, statut: str, agent, reponse: str) -> None:
    if demande is None:
        return
    if demande.type == Demande.Type.INSCRIPTION and demande.inscription_id is None:
        _suivre_demande_groupee(demande, agent)
        return
    demande.statut = statut
    demande.traitee_le = timezone.now()
    demande.traitee_par = agent
    demande.reponse = reponse
    demande.save(update_fields=["statut", "traitee_le", "traitee_par", "reponse"])


def bilan_demande_groupee(inscriptions: list[Inscription]) -> str:
    """ "Validée : Cantine (École Jules Ferry). En attente : Accueil du soir (…).": what
    staff decided so far on a réinscription, for the family and the queue."""
    parties = []
    for statut, libelle in (
        (Inscription.Statut.VALIDEE, "Validée"),
        (Inscription.Statut.REFUSEE, "Refusée"),
        (Inscription.Statut.ANNULEE, "Retirée"),
        (Inscription.Statut.EN_ATTENTE, "En attente"),
        (Inscription.Statut.PREINSCRIPTION, "En attente"),
    ):
        noms = [
            f"{i.activite.nom} ({i.motif_refus})"
            if statut == Inscription.Statut.REFUSEE and i.motif_refus
            else i.activite.nom
            for i in inscriptions
            if i.statut == statut
        ]
        if noms:
            parties.append(f"{libelle} : {', '.join(noms)}.")
    return " ".join(parties)


def _suivre_demande_groupee(demande: Demande, agent) -> None:
    """After one of its enrolments was decided: the réinscription request says where
    each activity stands, and closes once none is left to decide (accepted when at least
    one was validated, refused when all were refused, withdrawn when all were withdrawn)."""
    inscriptions = list(
        demande.inscriptions_groupees.select_related("activite").order_by("activite__nom", "pk")
    )
    demande.reponse = bilan_demande_groupee(inscriptions)
    statuts = {i.statut for i in inscriptions}
    if any(i.est_a_decider for i in inscriptions):
        demande.save(update_fields=["reponse"])
        return
    if Inscription.Statut.VALIDEE in statuts:
        demande.statut = Demande.Statut.ACCEPTEE
    elif statuts == {Inscription.Statut.ANNULEE}:
        demande.statut = Demande.Statut.ANNULEE
    else:
        demande.statut = Demande.Statut.REFUSEE
    demande.traitee_le = timezone.now()
    demande.traitee_par = agent
    demande.save(update_fields=["statut", "traitee_le", "traitee_par", "reponse"])


def valider_inscription(inscription_id: int, agent) -> Inscription:
    """Staff validate an enrolment (or a petite-enfance pre-enrolment)."""
    with transaction.atomic():
        # Lock order everywhere: Demande, then Inscription, then Activite.
        demande = _demande_en_attente(inscription_id, Demande.Type.INSCRIPTION)
        inscription = _verrouiller(inscription_id)
        _valider(inscription, agent)
        _clore_demande(demande, Demande.Statut.ACCEPTEE, agent, "Inscription validée.")
        emails.inscription_decidee(inscription)
    return inscription


def refuser_inscription(inscription_id: int, agent, motif: str) -> Inscription:
    motif = (motif or "").strip()
    if not motif:
        raise InscriptionError("Indiquez le motif du refus : il sera envoyé à la famille.")
    with transaction.atomic():
        demande = _demande_en_attente(inscription_id, Demande.Type.INSCRIPTION)
        inscription = _verrouiller(inscription_id)
        _refuser(inscription, agent, motif)
        _clore_demande(demande, Demande.Statut.REFUSEE, agent, motif)
        emails.inscription_decidee(inscription)
    return inscription


def _une_seule_inscription(demande: Demande) -> None:
    if demande.inscription_id is None:
        raise InscriptionError(
            "Cette réinscription se décide activité par activité, dans les inscriptions."
        )


def accepter_depuis_demande(demande: Demande, agent) -> None:
    """The "Demandes à traiter" queue accepted an enrolment request (Demande locked)."""
    _une_seule_inscription(demande)
    inscription = _verrouiller(demande.inscription_id)
    _valider(inscription, agent)
    emails.inscription_decidee(inscription)


def refuser_depuis_demande(demande: Demande, agent, motif: str) -> None:
    _une_seule_inscription(demande)
    inscription = _verrouiller(demande.inscription_id)
    _refuser(inscription, agent, motif)
    emails.inscription_decidee(inscription)


# --- attestations ---------------------------------------------------------------------

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone


def nouveau_code() -> str:
    brut = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return f"{brut[:4]}-{brut[4:8]}-{brut[8:]}"


def normaliser_code(saisie: str) -> str | None:
    brut = "".join(c for c in (saisie or "").upper() if c.isalnum())
    if len(brut) != 12 or any(c not in _ALPHABET for c in brut):
        return None
    return f"{brut[:4]}-{brut[4:8]}-{brut[8:]}"


def demander_attestation(responsable: Responsable, inscription: Inscription) -> Demande:
    with transaction.atomic():
        # Lock order everywhere: Demande, then Inscription (a pending request first).
        deja = _demande_en_attente(inscription.pk, Demande.Type.ATTESTATION)
        inscription = _verrouiller(inscription.pk)
        if not inscription.est_validee:
            raise InscriptionError(
                "Une attestation ne peut être demandée que pour une inscription validée."
            )
        # Checked again under the Inscription lock: a request made meanwhile is seen now.
        if deja or _demande_en_attente(inscription.pk, Demande.Type.ATTESTATION):
            raise InscriptionError(
                "Une demande d'attestation est déjà en cours pour cette inscription."
            )
        demande = Demande.objects.create(
            famille=responsable.famille,
            demandeur=responsable,
            type=Demande.Type.ATTESTATION,
            inscription=inscription,
            objet=objet_demande(inscription),
        )
        if inscription.activite.attestation_automatique:
            emettre_attestation(inscription, None)
            _clore_demande(
                demande, Demande.Statut.ACCEPTEE, None, "Attestation délivrée automatiquement."
            )
    return demande


def contenu_attestation(inscription: Inscription, commune: str) -> dict:
    enfant, activite = inscription.enfant, inscription.activite
    return {
        "commune": commune,
        "enfant": f"{enfant.prenom} {enfant.nom}",
        "date_naissance": enfant.date_naissance.isoformat(),
        "sexe": enfant.sexe,
        "activite": activite.nom,
        "type": activite.get_type_display(),
        "site": activite.site.nom,
        "periode": activite.periode.nom,
        "date_debut": inscription.date_debut.isoformat(),
        "date_fin": inscription.date_fin.isoformat(),
        "famille": inscription.famille.nom,
    }


def emettre_attestation(inscription: Inscription, agent) -> Attestation:
    """Issue the certificate: the data is copied now and never changes afterwards."""
    from django.conf import settings

    if not inscription.est_validee:
        raise InscriptionError(
            f"L'inscription {de(inscription.enfant)} n'est pas validée : pas d'attestation."
        )
    maintenant = timezone.now()
    contenu = contenu_attestation(inscription, settings.PORTAIL_COMMUNE)
    # A double click (or two agents) must not issue a second identical certificate.
    existante = (
        Attestation.objects.defer("pdf")
        .filter(inscription=inscription)
        .order_by("-emise_le")
        .first()
    )
    if existante is not None and existante.contenu == contenu:
        return existante
    with transaction.atomic():
        attestation = Attestation.objects.create(
            inscription=inscription,
            numero=f"tmp-{secrets.token_hex(6)}",
            code_verification=nouveau_code(),
            emise_le=maintenant,
            emise_par=agent,
            contenu=contenu,
        )
        attestation.numero = f"A{timezone.localdate(maintenant).year}-{attestation.pk:06d}"
        attestation.save(update_fields=["numero"])
        emails.attestation_disponible(inscription, attestation)
    # The PDF is rendered from the stored snapshot on first download (pdf.assurer_pdf),
    # so a bulk issue in the admin never waits on WeasyPrint.
    return attestation


def emettre_depuis_demande(demande: Demande, agent) -> None:
    emettre_attestation(_verrouiller(demande.inscription_id), agent)


def emettre_pour_inscription(inscription_id: int, agent) -> Attestation:
    """Staff issue a certificate from the enrolment list (closing a pending request)."""
    with transaction.atomic():
        demande = _demande_en_attente(inscription_id, Demande.Type.ATTESTATION)
        attestation = emettre_attestation(_verrouiller(inscription_id), agent)
        _clore_demande(demande, Demande.Statut.ACCEPTEE, agent, "Attestation délivrée.")
    return attestation


def retirer_demande(responsable: Responsable, inscription: Inscription) -> Inscription:
    """The family withdraws a request staff have not decided yet."""
    with transaction.atomic():
        demande = _demande_en_attente(inscription.pk, Demande.Type.INSCRIPTION)
        inscription = _verrouiller(inscription.pk)
        if not inscription.est_a_decider:
            raise InscriptionError(
                "Seule une demande en attente peut être retirée ; pour une inscription "
                "validée, adressez-vous au service."
            )
        inscription.statut = Inscription.Statut.ANNULEE
        inscription.decidee_le = timezone.now()
        inscription.motif_refus = "Demande retirée par la famille."
        inscription.save(update_fields=["statut", "decidee_le", "motif_refus"])
        _clore_demande(demande, Demande.Statut.ANNULEE, None, "Retirée par la famille.")
    return inscription


def clore_inscription(inscription: Inscription, agent, motif: str) -> Inscription:
    """Staff end a validated enrolment (the bookings are cancelled by the caller)."""
    motif = (motif or "").strip()
    if not motif:
        raise InscriptionError("Indiquez le motif : il sera envoyé à la famille.")
    inscription = _verrouiller(inscription.pk)
    if inscription.statut != Inscription.Statut.VALIDEE:
        raise InscriptionError(f"L'inscription {de(inscription.enfant)} n'est pas validée.")
    inscription.statut = Inscription.Statut.ANNULEE
    inscription.decidee_le = timezone.now()
    inscription.decidee_par = agent
    inscription.motif_refus = motif
    inscription.save(update_fields=["statut", "decidee_le", "decidee_par", "motif_refus"])
    emails.inscription_decidee(inscription)
    return inscription
