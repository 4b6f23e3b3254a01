"""The demo town: a few known logins and as many generated households as asked.

Idempotent: known accounts are created once, and generated households are only
added up to the requested total. Large towns (benchmarks) use bulk inserts and
one password hash shared by every generated account.
"""

import datetime
import random
import time
from decimal import Decimal

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from comptes.models import User
from familles import services as familles_services
from familles.models import Enfant, Famille, PersonneAutorisee, Rattachement, Responsable
from inscriptions import services as inscriptions_services
from inscriptions.models import Activite, Inscription, Periode, Site
from portail.models import Demande
from portail.roles import GESTIONNAIRE, groupe

MOT_DE_PASSE = "portail-demo"
# Staff sign in with a second factor (mandatory, no switch to turn it off): the demo
# staff account's authenticator secret is public like its password (the demo refuses
# to run in production). Add it to an authenticator app, or `manage.py demo --code`.
SECRET_TOTP_AGENT = "PORTAILFAMILLEDEMOAGENTS"  # noqa: S105 (public, demo only)
LOGINS = {
    "parent1@example.org": "parent : deux enfants, cantine et réservations, une facture à "
    "payer en ligne, une modification de coordonnées en attente, un document manquant et un "
    "autre en attente de vérification",
    "parent2@example.org": "parent d'un autre foyer",
    "mere.garde@example.org": "mère de Chloé, en garde alternée (semaines impaires) : "
    "son foyer, ses réservations, sa facture",
    "pere.garde@example.org": "père de Chloé, second foyer (semaines paires) : il réserve "
    "ses semaines et ne voit rien de l'autre foyer",
    "gestionnaire@example.org": "agent du service enfance (administration : /gestion/)",
}

NOMS = [
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefebvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Muller",
    "Lefèvre",
    "Faure",
    "André",
    "Mercier",
    "Blanc",
    "Guérin",
    "Boyer",
    "Garnier",
    "Chevalier",
    "François",
    "Legrand",
    "Gauthier",
    "Diallo",
    "Nguyen",
    "Benali",
    "Da Silva",
    "Haddad",
    "Traoré",
    "Kowalski",
]
PRENOMS_F = [
    "Emma",
    "Louise",
    "Jade",
    "Alice",
    "Chloé",
    "Lina",
    "Léa",
    "Rose",
    "Anna",
    "Inès",
    "Mila",
    "Ambre",
    "Julia",
    "Zoé",
    "Léna",
    "Camille",
    "Sarah",
    "Nour",
    "Aya",
]
PRENOMS_G = [
    "Gabriel",
    "Léo",
    "Raphaël",
    "Arthur",
    "Louis",
    "Jules",
    "Adam",
    "Maël",
    "Lucas",
    "Hugo",
    "Noah",
    "Liam",
    "Sacha",
    "Tom",
    "Nathan",
    "Ethan",
    "Paul",
    "Yanis",
    "Rayan",
]
ADULTES_F = [
    "Marie",
    "Nathalie",
    "Isabelle",
    "Sophie",
    "Céline",
    "Aurélie",
    "Julie",
    "Amina",
    "Sandrine",
    "Émilie",
    "Claire",
    "Fatima",
    "Laetitia",
]
ADULTES_M = [
    "Jean",
    "Nicolas",
    "Julien",
    "Sébastien",
    "Thomas",
    "David",
    "Karim",
    "Olivier",
    "Mathieu",
    "Christophe",
    "Mehdi",
    "Antoine",
    "Vincent",
]
RUES = [
    "rue de la Mairie",
    "avenue des Tilleuls",
    "rue Victor Hugo",
    "place de l'Église",
    "chemin des Vignes",
    "rue Jean Jaurès",
    "allée des Érables",
    "rue du Moulin",
    "boulevard de la Loire",
    "impasse des Lilas",
]
ECOLES = ["École Jules Ferry", "École Louise Michel", "École des Tilleuls"]
PROFESSIONS = [
    "Infirmière",
    "Enseignant",
    "Commerçante",
    "Technicien",
    "Comptable",
    "Agricultrice",
    "Artisan",
    "Aide-soignant",
    "Ingénieure",
    "Chauffeur",
    "",
]
VILLE, CODE_POSTAL = "Belleville-sur-Loire", "18240"
CLASSES = ["tps", "ps", "ms", "gs", "cp", "ce1", "ce2", "cm1", "cm2"]


def classe_pour(naissance: datetime.date, rentree: int) -> str:
    age_au_31_decembre = rentree - naissance.year
    index = age_au_31_decembre - 2  # TPS at 2, PS at 3 … CM2 at 10
    if index < 0:
        return ""
    if index >= len(CLASSES):
        return "college"
    return CLASSES[index]


def _rentree() -> int:
    today = timezone.localdate()
    return today.year if today.month >= 9 else today.year - 1


PRIMAIRE = ["ps", "ms", "gs", "cp", "ce1", "ce2", "cm1", "cm2"]
SITES = {
    "ferry": ("École Jules Ferry", "3 rue de l'École"),
    "michel": ("École Louise Michel", "14 avenue des Tilleuls"),
    "tilleuls": ("École des Tilleuls", "1 place de l'Église"),
    "castors": ("Centre de loisirs Les Castors", "Chemin des Vignes"),
    "loups": ("Multi-accueil Les Petits Loups", "5 rue du Moulin"),
}


def _dt(jour: datetime.date, heure: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(jour, datetime.time(heure)))


@transaction.atomic
def creer_catalogue() -> Periode:
    """The season that contains today (année scolaire) and its activities; idempotent."""
    rentree = _rentree()
    nom = f"Année scolaire {rentree}-{rentree + 1}"
    periode = Periode.objects.filter(nom=nom).first()
    if periode is not None:
        configurer_reservations(periode)
        creer_tarifs(periode)
        return periode
    periode = Periode.objects.create(
        nom=nom, debut=datetime.date(rentree, 9, 1), fin=datetime.date(rentree + 1, 7, 3)
    )
    sites = {
        cle: Site.objects.get_or_create(nom=n, defaults={"adresse": a})[0]
        for cle, (n, a) in SITES.items()
    }
    ouverture = _dt(datetime.date(rentree, 5, 1), 8)
    fermeture = _dt(datetime.date(rentree + 1, 6, 15), 23)
    activites = []
    for cle in ("ferry", "michel", "tilleuls"):
        commun = {
            "site": sites[cle],
            "periode": periode,
            "niveaux": PRIMAIRE,
            "ouverture_inscriptions": ouverture,
            "fermeture_inscriptions": fermeture,
        }
        activites += [
            Activite(
                nom="Restauration scolaire",
                type=Activite.Type.RESTAURATION,
                validation=Activite.Validation.AUTOMATIQUE,
                capacite=220,
                attestation_automatique=True,
                description="Repas du midi les lundis, mardis, jeudis et vendredis.",
                **commun,
            ),
            Activite(
                nom="Accueil périscolaire du matin",
                type=Activite.Type.PERISCOLAIRE_MATIN,
                validation=Activite.Validation.AUTOMATIQUE,
                capacite=40,
                description="De 7 h 30 à l'ouverture de l'école.",
                **commun,
            ),
            Activite(
                nom="Accueil périscolaire du soir",
                type=Activite.Type.PERISCOLAIRE_SOIR,
                validation=Activite.Validation.MANUELLE,
                capacite=60,
                description="De la sortie de l'école à 18 h 30, goûter compris.",
                **commun,
            ),
        ]
    activites += [
        Activite(
            nom="Accueil de loisirs du mercredi",
            type=Activite.Type.LOISIRS_MERCREDI,
            site=sites["castors"],
            periode=periode,
            age_minimum_mois=36,
            age_maximum_mois=143,
            ouverture_inscriptions=ouverture,
            fermeture_inscriptions=fermeture,
            validation=Activite.Validation.MANUELLE,
            capacite=80,
            description="Journée ou demi-journée, de 3 à 11 ans.",
            fiche_sanitaire_exigee=True,
        ),
        Activite(
            nom="Accueil de loisirs des vacances",
            type=Activite.Type.LOISIRS_VACANCES,
            site=sites["castors"],
            periode=periode,
            age_minimum_mois=36,
            age_maximum_mois=143,
            ouverture_inscriptions=ouverture,
            fermeture_inscriptions=fermeture,
            validation=Activite.Validation.MANUELLE,
            capacite=100,
            description="Petites et grandes vacances, de 3 à 11 ans.",
            fiche_sanitaire_exigee=True,
        ),
        Activite(
            nom="Multi-accueil",
            type=Activite.Type.PETITE_ENFANCE,
            site=sites["loups"],
            periode=periode,
            age_minimum_mois=2,
            age_maximum_mois=35,
            ouverture_inscriptions=ouverture,
            fermeture_inscriptions=fermeture,
            validation=Activite.Validation.MANUELLE,
            capacite=24,
            preinscription=True,
            description="Accueil régulier ou occasionnel des enfants de 10 semaines à "
            "3 ans. Les préinscriptions sont examinées en commission.",
        ),
    ]
    Activite.objects.bulk_create(activites)
    configurer_reservations(periode)
    creer_tarifs(periode)
    return periode


# School holidays, zone C (Créteil, Montpellier, Paris, Toulouse, Versailles): first and
# last day off. Other seasons are entered by staff (Inscriptions › Périodes).
VACANCES_ZONE_C = {
    2026: [
        ("Vacances de la Toussaint", datetime.date(2026, 10, 17), datetime.date(2026, 11, 1)),
        ("Vacances de Noël", datetime.date(2026, 12, 19), datetime.date(2027, 1, 3)),
        ("Vacances d'hiver", datetime.date(2027, 2, 6), datetime.date(2027, 2, 21)),
        ("Vacances de printemps", datetime.date(2027, 4, 3), datetime.date(2027, 4, 18)),
        ("Pont de l'Ascension", datetime.date(2027, 5, 7), datetime.date(2027, 5, 8)),
    ],
}
LUN_MAR_JEU_VEN = [0, 1, 3, 4]
OUVERTURES = {
    Activite.Type.RESTAURATION: (LUN_MAR_JEU_VEN, "scolaire", 180),
    Activite.Type.PERISCOLAIRE_MATIN: (LUN_MAR_JEU_VEN, "scolaire", 40),
    Activite.Type.PERISCOLAIRE_SOIR: (LUN_MAR_JEU_VEN, "scolaire", 60),
    Activite.Type.LOISIRS_MERCREDI: ([2], "scolaire", 80),
    Activite.Type.LOISIRS_VACANCES: ([0, 1, 2, 3, 4], "vacances", 100),
    Activite.Type.PETITE_ENFANCE: ([0, 1, 2, 3, 4], "toujours", 24),
}


@transaction.atomic
def configurer_reservations(periode: Periode) -> None:
    """Opening calendars, rules and holidays of the demo season; idempotent."""
    from reservations.models import ParametresReservation, Vacances

    if not periode.vacances.exists():
        Vacances.objects.bulk_create(
            [
                Vacances(periode=periode, nom=nom, debut=debut, fin=fin)
                for nom, debut, fin in VACANCES_ZONE_C.get(periode.debut.year, [])
            ]
        )
    for activite in periode.activites.filter(parametres_reservation__isnull=True):
        jours, pendant, places = OUVERTURES[activite.type]
        regles = {}
        if activite.type == Activite.Type.LOISIRS_MERCREDI:
            # "le jeudi 12:00 pour la semaine suivante"
            regles = {
                "reservation_mode": "hebdo",
                "reservation_jour_semaine": 3,
                "reservation_heure": datetime.time(12, 0),
                "annulation_mode": "hebdo",
                "annulation_jour_semaine": 3,
                "annulation_heure": datetime.time(12, 0),
            }
        if activite.type == Activite.Type.LOISIRS_VACANCES:
            regles = {
                "validation_requise": True,
                "reservation_jours": 7,
                "annulation_autorisee": False,
            }
        ParametresReservation.objects.create(
            activite=activite,
            jours_ouverture=jours,
            pendant=pendant,
            places_par_jour=places,
            **regles,
        )


def _tranches(*prix) -> list[tuple]:
    bornes = [Decimal(0), Decimal(500), Decimal(800), Decimal(1200), None]
    return [(bornes[i], bornes[i + 1], Decimal(p)) for i, p in enumerate(prix)]


TARIFS = {
    Activite.Type.RESTAURATION: {
        "unite": "repas",
        "tranches": _tranches("1.20", "2.10", "3.00", "3.90"),
        "prix_sans_quotient": "4.50",
        "prix_hors_commune": "5.50",
        "majoration_retard": "20",
        "forfait_sans_reservation": "2.00",
    },
    Activite.Type.PERISCOLAIRE_MATIN: {
        "unite": "seance",
        "mode": "taux_effort",
        "taux_effort": "0.0020",
        "prix_minimum": "0.60",
        "prix_maximum": "2.50",
        "prix_sans_quotient": "2.50",
        "credit_impot_garde": True,
        "forfait_sans_reservation": "1.50",
    },
    Activite.Type.PERISCOLAIRE_SOIR: {
        "unite": "seance",
        "mode": "taux_effort",
        "taux_effort": "0.0030",
        "prix_minimum": "0.80",
        "prix_maximum": "3.50",
        "prix_sans_quotient": "3.50",
        "credit_impot_garde": True,
        "forfait_sans_reservation": "2.00",
    },
    Activite.Type.LOISIRS_MERCREDI: {
        "unite": "jour",
        "tranches": _tranches("5", "8", "12", "16"),
        "prix_sans_quotient": "18",
        "prix_hors_commune": "22",
        "credit_impot_garde": True,
    },
    Activite.Type.LOISIRS_VACANCES: {
        "unite": "jour",
        "tranches": _tranches("5", "8", "12", "16"),
        "prix_sans_quotient": "18",
        "prix_hors_commune": "22",
        "credit_impot_garde": True,
    },
    Activite.Type.PETITE_ENFANCE: {
        "unite": "jour",
        "mode": "taux_effort",
        "taux_effort": "0.0250",
        "prix_minimum": "4",
        "prix_maximum": "55",
        "prix_sans_quotient": "55",
        "credit_impot_garde": True,
    },
}


def creer_tarifs(periode: Periode) -> None:
    """The demo's price lists; idempotent."""
    from comptes.models import Tarif, TrancheTarif

    for activite in periode.activites.filter(tarif__isnull=True):
        valeurs = dict(TARIFS[activite.type])
        tranches = valeurs.pop("tranches", [])
        tarif = Tarif.objects.create(activite=activite, **valeurs)
        TrancheTarif.objects.bulk_create(
            [TrancheTarif(tarif=tarif, qf_min=a, qf_max=b, prix=p) for a, b, p in tranches]
        )


def _activite(periode: Periode, type_: str, site: str) -> Activite:
    return Activite.objects.get(periode=periode, type=type_, site__nom=SITES[site][0])


def _coordonnees(rng: random.Random, nom: str, femme: bool) -> dict:
    return {
        "civilite": "mme" if femme else "m",
        "prenom": rng.choice(ADULTES_F if femme else ADULTES_M),
        "nom": nom,
        "adresse": f"{rng.randint(1, 120)} {rng.choice(RUES)}",
        "complement_adresse": "",
        "code_postal": CODE_POSTAL,
        "ville": VILLE,
        "telephone_mobile": f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} "
        f"{rng.randint(10, 99)} {rng.randint(10, 99)}",
        "telephone_fixe": "",
        "telephone_travail": "",
        "profession": rng.choice(PROFESSIONS),
        "employeur": "",
    }


def _enfant(rng: random.Random, nom: str, rentree: int) -> Enfant:
    fille = rng.random() < 0.5
    naissance = datetime.date(rentree - rng.randint(1, 11), rng.randint(1, 12), rng.randint(1, 28))
    allergique = rng.random() < 0.08
    return Enfant(
        nom=nom,
        prenom=rng.choice(PRENOMS_F if fille else PRENOMS_G),
        sexe="f" if fille else "g",
        date_naissance=naissance,
        ecole=rng.choice(ECOLES) if classe_pour(naissance, rentree) else "",
        classe=classe_pour(naissance, rentree),
        allergies="Arachide : éviction stricte, trousse d'urgence." if allergique else "",
        pai=allergique,
    )


def _creer_parent(
    email: str, coordonnees: dict, famille: Famille | None = None, hache: str | None = None
) -> Responsable:
    """`hache`: the demo password already hashed (one hash for several accounts is faster)."""
    if hache:
        user = User.objects.create(email=email, password=hache)
    else:
        user = User.objects.create_user(email, MOT_DE_PASSE)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if famille is None:
        return familles_services.creer_famille(user, coordonnees)
    return familles_services.ajouter_responsable(famille, user, coordonnees)


@transaction.atomic
def _reservations_demo(
    parent: Responsable, enfant: Enfant, periode: Periode, aujourd_hui: datetime.date
) -> None:
    """Léa's canteen: a semaine type until the holidays, and one full day waitlisted."""
    from reservations import services as reservations_services
    from reservations.models import Journee

    inscription = Inscription.objects.get(enfant=enfant, statut=Inscription.Statut.VALIDEE)
    debut = aujourd_hui + datetime.timedelta(days=7)
    fin = min(debut + datetime.timedelta(days=35), inscription.date_fin)
    if debut >= fin:
        return
    jour_complet = debut + datetime.timedelta(days=(7 - debut.weekday()) % 7 + 2)  # a Wednesday…
    jour_complet += datetime.timedelta(days=1)  # …then the Thursday after
    Journee.objects.update_or_create(
        activite=inscription.activite, date=jour_complet, defaults={"places": 0}
    )
    reservations_services.appliquer_semaine_type(
        inscription, [0, 1, 3, 4], "toutes", debut, fin, par=parent.user, demandeur=parent
    )


def jours_passes_du_mois(mois: datetime.date, jours_semaine) -> list[datetime.date]:
    fin = (mois + datetime.timedelta(days=32)).replace(day=1)
    jours, jour = [], mois
    while jour < fin:
        if jour.weekday() in jours_semaine:
            jours.append(jour)
        jour += datetime.timedelta(days=1)
    return jours


def _compte_demo(parent: Responsable, enfant: Enfant) -> None:
    """Last month at the canteen, attendance marked, invoiced; a CAF quotient."""
    from comptes.models import QuotientFamilial
    from comptes.services import finances
    from reservations.calendrier import Calendrier
    from reservations.models import Reservation

    inscription = Inscription.objects.get(enfant=enfant, statut=Inscription.Statut.VALIDEE)
    QuotientFamilial.objects.create(
        famille=parent.famille,
        valeur=Decimal("742.00"),
        source=QuotientFamilial.Source.CAF,
        depuis=inscription.activite.periode.debut,
    )
    aujourd_hui = timezone.localdate()
    mois = (aujourd_hui.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    if mois < inscription.activite.periode.debut:
        return
    cal = Calendrier.charger(
        inscription.activite, mois, (mois + datetime.timedelta(days=31)).replace(day=1)
    )
    jours = [
        j
        for j in jours_passes_du_mois(mois, [0, 1, 3, 4])
        if not cal.motif_fermeture(j) and j < aujourd_hui
    ]
    etats = {2: Reservation.Etat.ABSENCE_JUSTIFIEE, 5: Reservation.Etat.ABSENT}
    Reservation.objects.bulk_create(
        [
            Reservation(
                inscription=inscription,
                enfant=enfant,
                activite=inscription.activite,
                date=j,
                etat=etats.get(i, Reservation.Etat.PRESENT),
                cree_le=timezone.make_aware(
                    datetime.datetime.combine(mois - datetime.timedelta(days=10), datetime.time(9))
                ),
            )
            for i, j in enumerate(jours)
        ]
    )
    finances.facturer_mois(mois, familles=[parent.famille])


def code_totp_agent() -> str:
    """The demo staff account's current second-factor code (30 s)."""
    return format_hotp_value(hotp_value(SECRET_TOTP_AGENT, int(time.time()) // 30))


def _application_agent_demo() -> None:
    # Also for a demo built before two-factor sign-in existed.
    agent = User.objects.get(email="gestionnaire@example.org")
    if not Authenticator.objects.filter(user=agent, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(agent, SECRET_TOTP_AGENT)


def _informations_commune_demo() -> None:
    """The demo town's contact, DPO and accessibility audit (legal pages and footer)."""
    from portail.models import InformationsCommune

    InformationsCommune.objects.get_or_create(
        pk=1,
        defaults={
            "adresse": "Hôtel de ville\n1 place de la Mairie\n44000 Belleville-sur-Loire",
            "telephone": "02 40 00 00 00",
            "courriel": "enfance@belleville-sur-loire.example",
            "dpo_nom": "Délégué mutualisé de la communauté de communes",
            "dpo_courriel": "dpo@belleville-sur-loire.example",
            "hebergeur": "Hébergeur de démonstration, 1 rue des Serveurs, 44000 Nantes",
            "conformite": InformationsCommune.Conformite.PARTIELLE,
            "taux_conformite": 75,
            "date_audit": datetime.date(2026, 10, 1),
            "auditeur": "audit interne",
        },
    )


def creer_comptes_connus() -> list[str]:
    """parent1, parent2 and gestionnaire; returns the e-mails created this time."""
    crees = []
    rentree = _rentree()
    if not User.objects.filter(email="gestionnaire@example.org").exists():
        agent = User.objects.create_user("gestionnaire@example.org", MOT_DE_PASSE, is_staff=True)
        EmailAddress.objects.create(user=agent, email=agent.email, verified=True, primary=True)
        agent.groups.add(groupe(GESTIONNAIRE))
        crees.append(agent.email)
    _application_agent_demo()
    _informations_commune_demo()
    if not User.objects.filter(email="parent1@example.org").exists():
        coord = {
            **_coordonnees(random.Random(1), "Lemaire", True),
            "prenom": "Camille",
            "adresse": "12 rue de la Mairie",
        }
        p1 = _creer_parent("parent1@example.org", coord)
        enfants = [
            Enfant(
                nom="Lemaire",
                prenom="Léa",
                sexe="f",
                date_naissance=datetime.date(rentree - 7, 3, 14),
                ecole=ECOLES[0],
                classe=classe_pour(datetime.date(rentree - 7, 3, 14), rentree),
                allergies="Arachide : éviction stricte, trousse d'urgence à l'école.",
                pai=True,
            ),
            Enfant(
                nom="Lemaire",
                prenom="Hugo",
                sexe="g",
                date_naissance=datetime.date(rentree - 4, 9, 2),
                ecole=ECOLES[0],
                classe=classe_pour(datetime.date(rentree - 4, 9, 2), rentree),
            ),
        ]
        for enfant in enfants:
            familles_services.ajouter_enfant(
                p1,
                enfant,
                [
                    PersonneAutorisee(
                        nom="Lemaire",
                        prenom="Monique",
                        lien="Grand-mère",
                        telephone="06 11 22 33 44",
                    ),
                ],
            )
        familles_services.demander_modification_coordonnees(
            p1, {**coord, "adresse": "5 allée des Érables", "telephone_fixe": "02 48 72 10 10"}
        )
        periode = creer_catalogue()
        aujourd_hui = max(timezone.localdate(), periode.debut)
        lea, hugo = enfants
        inscriptions_services.demander_inscription(
            p1,
            lea,
            _activite(periode, Activite.Type.RESTAURATION, "ferry"),
            aujourd_hui,
            periode.fin,
        )
        inscriptions_services.demander_inscription(
            p1,
            hugo,
            _activite(periode, Activite.Type.PERISCOLAIRE_SOIR, "ferry"),
            aujourd_hui,
            periode.fin,
            "Les lundis et jeudis.",
        )
        _reservations_demo(p1, lea, periode, aujourd_hui)
        _compte_demo(p1, lea)
        _documents_demo(p1, lea, periode)
        _absence_demo(p1, lea)
        _messages_demo(p1)
        _dossier_demo(p1, lea, hugo)
        crees.append("parent1@example.org")
    if not User.objects.filter(email="parent2@example.org").exists():
        coord = {**_coordonnees(random.Random(2), "Benali", False), "prenom": "Karim"}
        p2 = _creer_parent("parent2@example.org", coord)
        familles_services.ajouter_enfant(
            p2,
            Enfant(
                nom="Benali",
                prenom="Nour",
                sexe="f",
                date_naissance=datetime.date(rentree - 9, 6, 21),
                ecole=ECOLES[1],
                classe=classe_pour(datetime.date(rentree - 9, 6, 21), rentree),
            ),
            [],
        )
        _justificatif_de_revenus_demo(p2)
        crees.append("parent2@example.org")
    if not User.objects.filter(email="mere.garde@example.org").exists():
        _garde_alternee_demo(rentree)
        crees += ["mere.garde@example.org", "pere.garde@example.org"]
    _recouvrement_demo()
    return crees


# --- garde alternée (issue 10): Chloé lives one week with each parent -------------------

GARDE_ALTERNEE = [
    # e-mail, coordonnées, semaines ISO du foyer, quotient familial
    ("mere.garde@example.org", {"civilite": "mme", "prenom": "Sophie", "nom": "Moreau",
     "adresse": "8 avenue des Tilleuls", "telephone_mobile": "06 21 43 65 87",
     "profession": "Infirmière"}, Rattachement.Semaines.IMPAIRES, Decimal("1150.00")),
    ("pere.garde@example.org", {"civilite": "m", "prenom": "Julien", "nom": "Lambert",
     "adresse": "27 chemin des Vignes", "telephone_mobile": "06 72 98 34 56",
     "profession": "Technicien"}, Rattachement.Semaines.PAIRES, Decimal("610.00")),
]  # fmt: skip


@transaction.atomic
def _garde_alternee_demo(rentree: int) -> None:
    """A separated family: Chloé (CE1) is attached to her mother's household and her
    father's, one ISO week in two each. Each household enrols her in the canteen in its
    own name, books its own weeks of this month and the next (past days marked present),
    and has last month's invoice at its own quotient."""
    from comptes.models import QuotientFamilial
    from comptes.services import finances
    from reservations.calendrier import Calendrier
    from reservations.models import Reservation

    periode = creer_catalogue()
    cantine = _activite(periode, Activite.Type.RESTAURATION, "ferry")
    naissance = datetime.date(rentree - 7, 5, 9)
    chloe = Enfant(
        nom="Lambert",
        prenom="Chloé",
        sexe="f",
        date_naissance=naissance,
        ecole=ECOLES[0],
        classe=classe_pour(naissance, rentree),
    )
    maintenant = timezone.now()
    aujourd_hui = timezone.localdate(maintenant)
    mois_dernier = (aujourd_hui.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    fin = (aujourd_hui.replace(day=1) + datetime.timedelta(days=62)).replace(day=1)
    cal = Calendrier.charger(cantine, mois_dernier, fin)
    jours_ouverts = [
        j
        for j in (
            mois_dernier + datetime.timedelta(days=n) for n in range((fin - mois_dernier).days)
        )
        # Open days, not the day parent1's demo made full (Léa waits there).
        if not cal.motif_fermeture(j) and cal.places(j) != 0
    ]
    reservations, familles = [], []
    hache = make_password(MOT_DE_PASSE)  # one hash for both parents, as for generated ones
    for email, coordonnees, semaines, quotient in GARDE_ALTERNEE:
        coord = {**_coordonnees(random.Random(email), coordonnees["nom"], False), **coordonnees}
        parent = _creer_parent(email, coord, hache=hache)
        famille = parent.famille
        familles.append(famille)
        if chloe.pk is None:
            familles_services.ajouter_enfant(parent, chloe, [])
            rattachement = Rattachement.objects.get(enfant=chloe, famille=famille)
        else:
            rattachement = Rattachement(enfant=chloe, famille=famille)
            Famille.objects.filter(pk=famille.pk).update(nombre_enfants_a_charge=1)
        rattachement.garde, rattachement.semaines = Rattachement.Garde.SEMAINES, semaines
        rattachement.save()
        QuotientFamilial.objects.create(
            famille=famille,
            valeur=quotient,
            source=QuotientFamilial.Source.CAF,
            depuis=periode.debut,
        )
        # Enrolled the week before the school year, for the whole season.
        inscription = inscriptions_services.demander_inscription(
            parent,
            chloe,
            cantine,
            periode.debut,
            periode.fin,
            maintenant=_dt(periode.debut - datetime.timedelta(days=7), 9),
        )
        cree_le = _dt(mois_dernier - datetime.timedelta(days=10), 9)
        reservations += [
            Reservation(
                inscription=inscription,
                enfant=chloe,
                activite=cantine,
                date=j,
                etat=Reservation.Etat.PRESENT if j < aujourd_hui else Reservation.Etat.RESERVEE,
                source=Reservation.Source.SEMAINE_TYPE,
                cree_le=cree_le,
                modifiee_le=cree_le,
                modifiee_par=parent.user,
            )
            for j in jours_ouverts
            if rattachement.a_la_garde(j)
        ]
    Reservation.objects.bulk_create(reservations)
    if mois_dernier >= periode.debut:
        finances.facturer_mois(mois_dernier, familles=familles)


def _recouvrement_demo() -> None:
    """Reminder steps (J+15 e-mail, J+30 e-mail and letter), parent2's household paying
    by direct debit, and parent1's invoice past due with its first reminder."""
    from comptes.models import EtapeRelance, Facture, MandatSepa, RelanceFacture
    from comptes.services import recouvrement, sepa

    EtapeRelance.objects.get_or_create(
        jours_apres_echeance=15, defaults={"nom": "Première relance"}
    )
    EtapeRelance.objects.get_or_create(
        jours_apres_echeance=30, defaults={"nom": "Dernière relance", "lettre": True}
    )
    p2 = Responsable.objects.filter(user__email="parent2@example.org").first()
    if p2 and sepa.configure() and not MandatSepa.objects.filter(famille=p2.famille).exists():
        sepa.signer_mandat(p2.famille, p2.user, "Karim Benali", "FR1420041010050500013M02606")
    facture = Facture.objects.filter(
        famille__responsables__user__email="parent1@example.org", type=Facture.Type.FACTURE
    ).first()
    if facture and not RelanceFacture.objects.filter(facture=facture).exists():
        # Demo only: the invoice is made 20 days past due, so J+15 has been sent.
        Facture.objects.filter(pk=facture.pk).update(
            echeance=timezone.localdate() - datetime.timedelta(days=20)
        )
        recouvrement.relancer()


def _justificatif_de_revenus_demo(parent: Responsable) -> None:
    """An income proof waiting for staff: the dashboard's "justificatif de revenus" queue,
    opened and checked before it is accepted (never in bulk)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from comptes.services import finances as finances_services

    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    finances_services.declarer_revenus(
        parent,
        timezone.localdate().year - 1,
        "28400",
        SimpleUploadedFile("avis-imposition.pdf", pdf, content_type="application/pdf"),
    )


def inscrire_enfants_generes(
    lot_enfants: list[Enfant], familles_des_enfants: list[Famille], rng: random.Random, maintenant
) -> None:
    """Canteen and evening care for school children, in bulk (demo and benchmarks)."""
    periode = creer_catalogue()
    cantines = {
        a.site.nom: a
        for a in Activite.objects.filter(
            periode=periode, type=Activite.Type.RESTAURATION
        ).select_related("site")
    }
    soirs = {
        a.site.nom: a
        for a in Activite.objects.filter(
            periode=periode, type=Activite.Type.PERISCOLAIRE_SOIR
        ).select_related("site")
    }
    inscriptions = []
    for enfant, famille in zip(lot_enfants, familles_des_enfants, strict=True):
        if enfant.classe not in PRIMAIRE or rng.random() < 0.25:
            continue
        inscriptions.append(
            Inscription(
                enfant=enfant,
                famille=famille,
                activite=cantines[enfant.ecole],
                date_debut=periode.debut,
                date_fin=periode.fin,
                statut=Inscription.Statut.VALIDEE,
                cree_le=maintenant,
                decidee_le=maintenant,
            )
        )
        if rng.random() < 0.3:
            inscriptions.append(
                Inscription(
                    enfant=enfant,
                    famille=famille,
                    activite=soirs[enfant.ecole],
                    date_debut=periode.debut,
                    date_fin=periode.fin,
                    statut=(
                        Inscription.Statut.VALIDEE
                        if rng.random() < 0.8
                        else Inscription.Statut.EN_ATTENTE
                    ),
                    cree_le=maintenant,
                )
            )
    Inscription.objects.bulk_create(inscriptions)
    Demande.objects.bulk_create(
        [
            Demande(
                famille=i.famille,
                type=Demande.Type.INSCRIPTION,
                inscription=i,
                objet=f"{i.enfant.prenom} {i.enfant.nom} — {i.activite.nom}",
                cree_le=maintenant,
                statut=(Demande.Statut.ACCEPTEE if i.est_validee else Demande.Statut.EN_ATTENTE),
                traitee_le=maintenant if i.est_validee else None,
            )
            for i in inscriptions
        ]
    )


def generer_familles(total: int, seed: int = 2026, lot: int = 2000) -> int:
    """Add generated households until the town has `total`; returns how many were added."""
    existantes = Famille.objects.count()
    a_creer = max(0, total - existantes)
    if not a_creer:
        return 0
    mot_de_passe = make_password(MOT_DE_PASSE)  # hashed once for every generated account
    rentree = _rentree()
    debut = Famille.objects.filter(nom__startswith="Famille ").count()
    for offset in range(0, a_creer, lot):
        with transaction.atomic():
            _generer_lot(
                range(debut + offset, debut + min(offset + lot, a_creer)),
                seed,
                mot_de_passe,
                rentree,
            )
    return a_creer


def _generer_lot(indices: range, seed: int, mot_de_passe: str, rentree: int) -> None:
    rng = random.Random(seed + indices.start)
    maintenant = timezone.now()
    familles, parents, enfants_par_famille = [], [], []
    for i in indices:
        nom = rng.choice(NOMS)
        coord = _coordonnees(rng, nom, True)
        familles.append(
            Famille(
                nom=f"Famille {nom}",
                adresse=coord["adresse"],
                code_postal=CODE_POSTAL,
                ville=VILLE,
                numero_allocataire=str(1000000 + i),
                nombre_enfants_a_charge=0,
            )
        )
        adultes = [coord]
        if rng.random() < 0.6:
            adultes.append({**_coordonnees(rng, nom, False), "adresse": coord["adresse"]})
        parents.append([(f"famille{i}.{n + 1}@example.org", c) for n, c in enumerate(adultes)])
        enfants_par_famille.append(
            [_enfant(rng, nom, rentree) for _ in range(rng.choice([1, 1, 2, 2, 2, 3, 3, 4]))]
        )
    _regimes_generes([e for lot in enfants_par_famille for e in lot], seed + indices.start)
    Famille.objects.bulk_create(familles)
    users = User.objects.bulk_create(
        [
            User(email=email, password=mot_de_passe, date_joined=maintenant)
            for adultes in parents
            for email, _ in adultes
        ]
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users]
    )
    users_iter = iter(users)
    responsables = []
    for famille, adultes in zip(familles, parents, strict=True):
        for _, coord in adultes:
            responsables.append(Responsable(user=next(users_iter), famille=famille, **coord))
    Responsable.objects.bulk_create(responsables)
    enfants = Enfant.objects.bulk_create([e for lot in enfants_par_famille for e in lot])
    enfants_iter = iter(enfants)
    rattachements = []
    for famille, lot in zip(familles, enfants_par_famille, strict=True):
        famille.nombre_enfants_a_charge = len(lot)
        rattachements.extend(Rattachement(famille=famille, enfant=next(enfants_iter)) for _ in lot)
    Rattachement.objects.bulk_create(rattachements)
    inscrire_enfants_generes(
        enfants,
        [famille for famille, lot in zip(familles, enfants_par_famille, strict=True) for _ in lot],
        rng,
        maintenant,
    )
    Famille.objects.bulk_update(familles, ["nombre_enfants_a_charge"])
    # A few pending requests for the staff queue, and history for the timelines.
    premier_par_famille = {}
    for r in responsables:
        premier_par_famille.setdefault(r.famille_id, r)
    demandes = []
    for famille in familles:
        r = premier_par_famille[famille.pk]
        demandes.append(
            Demande(
                famille=famille,
                demandeur=r,
                type=Demande.Type.ENFANT_AJOUT,
                statut=Demande.Statut.ACCEPTEE,
                objet="Enfants du foyer",
                traitee_le=maintenant,
                reponse="Enregistré immédiatement.",
            )
        )
        if rng.random() < 0.15:
            demandes.append(
                Demande(
                    famille=famille,
                    demandeur=r,
                    type=Demande.Type.COORDONNEES,
                    objet=f"{r} : téléphone portable",
                    donnees={"telephone_mobile": "07 56 34 56 78"},
                )
            )
    Demande.objects.bulk_create(demandes)


# --- Pièces justificatives: the types a town asks for; parent1 has one missing (Hugo's
# insurance, required by the after-school care) and one pending (Léa's PAI). ----------

TYPES_DOCUMENTS = [
    # nom, portée, validité, durée en mois, exigé par ces types d'activité
    ("Attestation d'assurance extrascolaire", "enfant", "saison", None,
     [Activite.Type.PERISCOLAIRE_SOIR, Activite.Type.LOISIRS_MERCREDI,
      Activite.Type.LOISIRS_VACANCES]),
    ("Vaccinations (copie du carnet de santé)", "enfant", "mois", 12,
     [Activite.Type.LOISIRS_MERCREDI, Activite.Type.LOISIRS_VACANCES]),
    ("Projet d'accueil individualisé (PAI)", "enfant", "saison", None, []),
    ("Certificat médical", "enfant", "mois", 12, []),
    ("Attestation CAF ou MSA (quotient familial)", "famille", "mois", 12, []),
    ("Jugement de garde", "famille", "permanente", None, []),
]  # fmt: skip


def creer_types_documents(periode: Periode) -> None:
    from familles.models import TypeDocument

    for nom, portee, validite, mois, types_activite in TYPES_DOCUMENTS:
        type_document, cree = TypeDocument.objects.get_or_create(
            nom=nom, defaults={"portee": portee, "validite": validite, "duree_mois": mois}
        )
        if cree and types_activite:
            type_document.activites.set(
                Activite.objects.filter(periode=periode, type__in=types_activite)
            )


def _documents_demo(parent: Responsable, lea: Enfant, periode: Periode) -> None:
    from django.core.files.base import ContentFile

    from familles import documents
    from familles.models import TypeDocument

    creer_types_documents(periode)
    pdf = ContentFile(b"%PDF-1.4\n% PAI de Lea (demo)\n%%EOF\n", name="pai.pdf")
    documents.deposer(
        parent, TypeDocument.objects.get(nom="Projet d'accueil individualisé (PAI)"), lea, pdf
    )


@transaction.atomic
def _absence_demo(parent: Responsable, enfant: Enfant) -> None:
    """Léa is ill: her next canteen days past the cancellation deadline are declared
    absent with a medical certificate, which waits in the staff queue."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from reservations import absences
    from reservations import services as reservations_services

    inscription = Inscription.objects.get(enfant=enfant, statut=Inscription.Statut.VALIDEE)
    maintenant = timezone.now()
    aujourd_hui = timezone.localdate(maintenant)
    fin = min(aujourd_hui + datetime.timedelta(days=6), inscription.date_fin)
    if fin < max(aujourd_hui, inscription.date_debut):
        return
    cal = reservations_services._charger(inscription, aujourd_hui, fin)
    jours = [
        j
        for j in (aujourd_hui + datetime.timedelta(days=n) for n in range(7))
        if j <= fin
        and inscription.date_debut <= j
        and not cal.motif_fermeture(j)
        and cal.regle_annulation.depasse(j, maintenant)
    ][:2]
    if not jours:
        return
    reservations_services.reserver(inscription, jours, par=parent.user, par_le_service=True)
    certificat = SimpleUploadedFile(
        "certificat.pdf", b"%PDF-1.4\n% certificat medical (demo)\n%%EOF\n"
    )
    absences.signaler(inscription, jours, "maladie", certificat, demandeur=parent)


def _messages_demo(parent: Responsable) -> None:
    """Mes messages and Actualités: a question answered by the service, and one news."""
    from portail import messagerie
    from portail.models import Actualite, Discussion

    agent = User.objects.get(email="gestionnaire@example.org")
    discussion = messagerie.ecrire(
        parent,
        "Repas sans porc pour Léa",
        Discussion.Categorie.INSCRIPTIONS,
        "Bonjour,\nLéa ne mange pas de porc : faut-il le signaler quelque part ?\nMerci.",
    )
    messagerie.repondre_service(
        discussion,
        agent,
        "Bonjour,\nC'est noté : le restaurant scolaire propose un plat de substitution. "
        "Vous pouvez aussi l'indiquer dans la fiche de Léa (Ma famille).\nBonne journée.",
    )
    Actualite.objects.create(
        titre="Inscriptions aux vacances d'hiver",
        texte="Les inscriptions à l'accueil de loisirs des vacances d'hiver sont ouvertes "
        "jusqu'au 31 janvier, dans « Mes inscriptions et réservations ».",
        debut=timezone.localdate() - datetime.timedelta(days=1),
    )


# --- the child's file (issue 11): fiche sanitaire, autorisations, régimes ---------------


def _regimes_generes(enfants: list[Enfant], seed: int) -> None:
    """A PAI child gets the packed lunch, one in seven another diet (own random stream:
    the rest of the generated town stays the same)."""
    from familles.models import RegimeAlimentaire

    regimes = {r.nom: r.pk for r in RegimeAlimentaire.objects.all()}
    autres = [pk for nom, pk in regimes.items() if nom != "Panier repas (PAI)"]
    rng = random.Random(seed + 1)
    for enfant in enfants:
        if enfant.pai:
            enfant.regime_alimentaire_id = regimes.get("Panier repas (PAI)")
        elif autres and rng.random() < 0.15:
            enfant.regime_alimentaire_id = rng.choice(autres)


def _dossier_demo(parent: Responsable, lea: Enfant, hugo: Enfant) -> None:
    """Léa: PAI (peanut allergy), packed lunch, fiche certified, answers given. Hugo:
    no pork, his fiche still to certify (the Wednesday club asks for it)."""
    from familles import fiche
    from familles.models import FicheSanitaire, RegimeAlimentaire, TypeAutorisation, Vaccination

    regimes = {r.nom: r for r in RegimeAlimentaire.objects.all()}
    lea.regime_alimentaire = regimes.get("Panier repas (PAI)")
    lea.medecin_traitant = "Dr Anne Morel"
    lea.save(update_fields=["regime_alimentaire", "medecin_traitant"])
    hugo.regime_alimentaire = regimes.get("Sans porc")
    hugo.save(update_fields=["regime_alimentaire"])
    naissance = lea.date_naissance
    fiche.certifier_fiche(
        parent,
        lea,
        FicheSanitaire(
            allergie_alimentaire=True,
            traitement="Stylo d'adrénaline (Anapen 0,15 mg) en cas de réaction : voir le PAI.",
            medecin_telephone="02 48 70 11 22",
            urgence_nom="Monique Lemaire",
            urgence_lien="Grand-mère",
            urgence_telephone="06 11 22 33 44",
        ),
        [],
        [
            Vaccination(vaccin="dtp", date=naissance.replace(year=naissance.year + 6)),
            Vaccination(vaccin="ror", date=naissance.replace(year=naissance.year + 1)),
        ],
        [],
        certifie=True,
    )
    types = {t.nom: t.pk for t in TypeAutorisation.objects.filter(active=True)}
    reponses = {
        "Droit à l'image": (False, None),
        "Soins et hospitalisation d'urgence": (True, None),
        "Transport (car, bus)": (True, None),
    }
    fiche.repondre_autorisations(
        parent, lea, {types[nom]: r for nom, r in reponses.items() if nom in types}
    )


def creer_campagne_reinscription() -> None:
    """Next season's activities (copies of this season's) and a re-enrolment campaign
    open now, each activity following its copy; idempotent."""
    from inscriptions.models import CampagneReinscription, CorrespondanceActivite

    rentree = _rentree() + 1
    nom = f"Année scolaire {rentree}-{rentree + 1}"
    if Periode.objects.filter(nom=nom).exists():
        return
    actuelle = Periode.objects.get(nom=f"Année scolaire {rentree - 1}-{rentree}")
    suivante = Periode.objects.create(
        nom=nom, debut=datetime.date(rentree, 9, 1), fin=datetime.date(rentree + 1, 7, 3)
    )
    maintenant = timezone.now()
    campagne = CampagneReinscription.objects.create(
        periode=suivante,
        ouverture=maintenant - datetime.timedelta(days=7),
        fermeture=maintenant + datetime.timedelta(days=60),
    )
    for activite in Activite.objects.filter(periode=actuelle).order_by("pk"):
        copie = Activite.objects.get(pk=activite.pk)
        copie.pk = None
        copie.periode = suivante
        copie.ouverture_inscriptions = campagne.ouverture
        copie.fermeture_inscriptions = _dt(datetime.date(rentree + 1, 6, 15), 23)
        copie.save()
        CorrespondanceActivite.objects.create(
            campagne=campagne, activite_actuelle=activite, activite_suivante=copie
        )
