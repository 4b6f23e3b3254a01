"""Benchmarks of Mon compte and invoicing (not part of the test suite).

    make bench-facturation
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portail_bench make bench-facturation

On the 10 000-household demo town: invoicing one month for the whole town as the
background worker does it (run three times, each rolled back), and the Mon compte page
of a household with 4 children and a year of invoices.
"""

import datetime
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portail.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

FAMILLES = int(os.environ.get("BENCH_FAMILLES", "10000"))


class Annuler(Exception):
    pass


class Compteur:
    def __init__(self):
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def preparer_septembre(periode):
    """Canteen days of September for every enrolled child, as staff marked them."""
    from comptes.models import QuotientFamilial
    from inscriptions.models import Inscription
    from portail.demo import jours_passes_du_mois
    from reservations.models import Reservation

    mois = periode.debut.replace(day=1)
    jours = jours_passes_du_mois(mois, [0, 1, 3, 4])
    deja = set(Reservation.objects.filter(date__in=jours).values_list("inscription_id", flat=True))
    inscriptions = list(
        Inscription.objects.validees()
        .filter(activite__type="restauration", activite__periode=periode)
        .exclude(pk__in=deja)
        .values_list("pk", "enfant_id", "activite_id")
    )
    Reservation.objects.bulk_create(
        [
            Reservation(
                inscription_id=i,
                enfant_id=e,
                activite_id=a,
                date=j,
                etat="present",
                cree_le=timezone.now(),
            )
            for i, e, a in inscriptions
            for j in jours
            if j >= periode.debut
        ],
        batch_size=5000,
    )
    from familles.models import Famille

    sans_qf = Famille.objects.filter(quotients__isnull=True).values_list("pk", flat=True)
    QuotientFamilial.objects.bulk_create(
        [
            QuotientFamilial(
                famille_id=f,
                valeur=Decimal(300 + (f * 37) % 1500),
                source="caf",
                depuis=periode.debut,
            )
            for f in sans_qf
            if f % 2 == 0
        ],
        batch_size=5000,
    )
    return mois


def foyer_d_une_annee():
    """A household with 4 children and twelve months of invoices (built once)."""
    from comptes.models import Facture, LigneFacture
    from familles.models import Famille

    famille = Famille.objects.filter(nom="Famille Banc-d-essai").first()
    if famille:
        return famille
    from allauth.account.models import EmailAddress

    from comptes.models import User
    from familles.models import Enfant, Rattachement, Responsable

    famille = Famille.objects.create(nom="Famille Banc-d-essai", nombre_enfants_a_charge=4)
    user = User.objects.create_user("banc@example.org", "portail-demo")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    Responsable.objects.create(
        user=user,
        famille=famille,
        civilite="mme",
        prenom="Anne",
        nom="Banc",
        adresse="1 rue",
        code_postal="18240",
        ville="X",
    )
    enfants = [
        Enfant.objects.create(
            nom="Banc", prenom=p, sexe="f", date_naissance=datetime.date(2017 + i, 1, 1)
        )
        for i, p in enumerate(["Alba", "Bea", "Cleo", "Dina"])
    ]
    Rattachement.objects.bulk_create([Rattachement(famille=famille, enfant=e) for e in enfants])
    for n in range(12):
        mois = datetime.date(2025 + (8 + n) // 12, (8 + n) % 12 + 1, 1)
        facture = Facture.objects.create(
            famille=famille,
            numero=f"BANC-{n:03d}",
            mois=mois,
            echeance=mois,
            montant=Decimal("134.40"),
            destinataire={"nom": famille.nom},
        )
        LigneFacture.objects.bulk_create(
            [
                LigneFacture(
                    facture=facture,
                    date=mois + datetime.timedelta(days=d),
                    enfant=e.prenom,
                    activite="Restauration scolaire",
                    libelle="repas",
                    prix_unitaire=Decimal("2.10"),
                    montant=Decimal("2.10"),
                )
                for e in enfants
                for d in range(16)
            ]
        )
    return famille


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("demo", familles=FAMILLES, force=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
    from comptes.models import Facture
    from comptes.services import finances
    from inscriptions.models import Periode

    # The season under way (the demo also opens next season's re-enrolment campaign).
    periode = Periode.objects.filter(debut__lte=timezone.localdate()).order_by("-debut").first()
    mois = preparer_septembre(periode)
    # Fresh statistics, as autovacuum keeps them on a live database: planned on the empty
    # tables of a just-built town, the month's read probes the enrolments 200 000 times
    # per batch (622 ms instead of 132 ms per batch of 1 000 households).
    with connection.cursor() as curseur:
        curseur.execute("ANALYZE")

    # The worker's whole job (comptes/services/facturation.py: batches, progress rows,
    # e-mails queued), as `manage.py worker` runs it after "Facturer un mois".
    from comptes.models import TacheFacturation
    from comptes.services import facturation

    durees, compteur, bilan = [], Compteur(), None
    for _ in range(3):
        try:
            with transaction.atomic():
                tache = TacheFacturation.objects.create(mois=mois)
                debut = time.perf_counter()
                with connection.execute_wrapper(compteur):
                    compteur.n = 0
                    assert facturation.executer(tache.pk) == TacheFacturation.Etat.TERMINEE
                durees.append(time.perf_counter() - debut)
                tache.refresh_from_db()
                bilan = {"factures": tache.factures, "total": tache.total}
                raise Annuler
        except Annuler:
            pass

    famille = foyer_d_une_annee()
    client = Client(HTTP_HOST="localhost")
    client.force_login(famille.responsables.first().user)
    assert client.get("/compte/").status_code == 200
    page, requetes = [], Compteur()
    for _ in range(15):
        debut = time.perf_counter()
        with connection.execute_wrapper(requetes):
            requetes.n = 0
            client.get("/compte/")
        page.append((time.perf_counter() - debut) * 1000)

    print(f"| mesure ({connection.vendor}, {FAMILLES} familles) | durée | requêtes SQL |")
    print("|---|---|---|")
    print(
        f"| facturer {mois:%m/%Y} pour toute la commune ({bilan['factures']} factures, "
        f"{finances.euros(bilan['total'])}) | médiane {statistics.median(durees):.1f} s, "
        f"max {max(durees):.1f} s | {compteur.n} |"
    )
    print(
        f"| page Mon compte, 4 enfants et 12 factures | médiane "
        f"{statistics.median(page):.0f} ms, max {max(page):.0f} ms | {requetes.n} |"
    )
    assert Facture.objects.filter(mois=mois).count() == 0  # every run was rolled back


if __name__ == "__main__":
    main()
