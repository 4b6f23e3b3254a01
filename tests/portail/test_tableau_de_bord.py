import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from comptes.models import Facture, Paiement
from familles.models import FicheSanitaire
from portail.models import Demande
from tests.conftest import creer_enfant
from tests.familles.documents_aide import creer_type
from tests.finances.aide import jour as reserver
from tests.reservations.conftest import *  # noqa: F403 - Friday 27 November 2026, cantine…
from tests.reservations.conftest import inscrire

D = datetime.date

URL = reverse("tableau_de_bord")


def _demande(
    responsable,
    objet,
    statut=Demande.Statut.EN_ATTENTE,
    jours=0,
    reponse="",
    type=Demande.Type.REVENUS,
):
    traitee = statut != Demande.Statut.EN_ATTENTE
    return Demande.objects.create(
        famille=responsable.famille,
        demandeur=responsable,
        type=type,
        objet=objet,
        statut=statut,
        cree_le=timezone.now() - datetime.timedelta(days=jours),
        traitee_le=timezone.now() if traitee else None,
        reponse=reponse,
    )


def test_it_requires_login(client, db):
    assert client.get(URL).status_code == 302


def test_it_lists_pending_requests_first(client_parent, parent):
    _demande(parent, "ancienne en attente", jours=10)
    _demande(parent, "récente refusée", Demande.Statut.REFUSEE, jours=1, reponse="Justificatif")
    _demande(parent, "récente en attente", jours=0)
    html = client_parent.get(URL).content.decode()
    positions = [
        html.index(t) for t in ("récente en attente", "ancienne en attente", "récente refusée")
    ]
    assert positions == sorted(positions)
    assert "Justificatif" in html
    assert "2 demandes en attente" in html


def test_it_shows_the_other_parent_requests_but_not_strangers(client_parent, coparent, etranger):
    _demande(coparent, "demande du co-parent")
    _demande(etranger, "demande d'un inconnu")
    html = client_parent.get(URL).content.decode()
    assert "demande du co-parent" in html
    assert "inconnu" not in html


def _facture(famille, numero, montant="18.90", echeance=None, mois=10):
    return Facture.objects.create(
        famille=famille,
        numero=numero,
        mois=D(2026, mois, 1),
        echeance=echeance or D(2026, 12, 10),
        montant=Decimal(montant),
        destinataire={},
    )


def test_it_lists_invoices_to_pay_with_their_due_date(client_parent, parent, etranger):
    _facture(parent.famille, "F-A-PAYER")
    Paiement.objects.create(
        famille=parent.famille,
        facture=_facture(parent.famille, "F-EN-RETARD", "30.00", D(2026, 11, 10), mois=9),
        montant=Decimal("10.00"),
        mode=Paiement.Mode.CHEQUE,
    )
    Paiement.objects.create(
        famille=parent.famille,
        facture=_facture(parent.famille, "F-PAYEE", "5.00", mois=8),
        montant=Decimal("5.00"),
        mode=Paiement.Mode.CHEQUE,
    )
    _facture(etranger.famille, "F-INCONNU")
    html = client_parent.get(URL).content.decode()
    assert "F-A-PAYER</strong> : 18,90\u00a0€ à payer avant le 10 décembre 2026" in html
    assert "F-EN-RETARD</strong> : 20,00\u00a0€ à payer, <span" in html
    assert "en retard</span> (échéance du 10 novembre 2026)" in html
    assert html.index("F-EN-RETARD") < html.index("F-A-PAYER")  # the oldest due first
    assert "F-PAYEE" not in html and "F-INCONNU" not in html
    assert html.count(f'href="{reverse("mon_compte")}#titre-factures"') == 2


def test_it_shows_each_child_next_booked_days(client_parent, parent, cantine):
    lea = inscrire(parent.famille, cantine, prenom="Léa")
    hugo = inscrire(parent.famille, cantine, prenom="Hugo")
    reserver(lea, D(2026, 11, 30), etat="reservee")  # next Monday
    reserver(hugo, D(2026, 12, 3), etat="attente", rang_attente=1)
    reserver(hugo, D(2026, 12, 4), etat="annulee")
    reserver(lea, D(2026, 12, 7), etat="reservee")  # the week after next
    reserver(lea, D(2026, 11, 26), etat="present")  # yesterday
    html = client_parent.get(URL).content.decode()
    assert "Lundi 30 novembre : Restauration scolaire</li>" in html
    assert "Jeudi 3 décembre : Restauration scolaire (liste d&#x27;attente)" in html
    assert "4 décembre" not in html and "7 décembre" not in html and "26 novembre" not in html
    assert html.index(">Hugo</h3>") < html.index(">Léa</h3>")


def test_it_says_when_nothing_is_booked_or_to_do(client_parent):
    html = client_parent.get(URL).content.decode()
    assert "Rien à faire pour le moment." in html
    assert "Aucun jour réservé cette semaine ni la suivante." in html


def test_it_asks_for_missing_documents_and_fiches(client_parent, parent, cantine, etranger):
    lea = inscrire(parent.famille, cantine, prenom="Léa").enfant
    tom = creer_enfant(parent.famille, prenom="Tom")
    FicheSanitaire.objects.create(enfant=tom, saison_confirmee=2026)
    FicheSanitaire.objects.create(enfant=inscrire(etranger.famille, cantine, "Inconnu").enfant)
    cantine.documents_requis.add(creer_type("Assurance scolaire"))
    creer_type("Carnet de vaccination")  # asked by no activity: not an alarm
    html = client_parent.get(URL).content.decode()
    assert (
        "Document à fournir</strong> : Assurance scolaire de Léa, "
        "demandé pour Restauration scolaire." in html
    )
    assert "Carnet de vaccination" not in html
    assert "Fiche sanitaire</strong> de Léa à confirmer pour la saison 2026-2027." in html
    assert reverse("fiche_sanitaire", args=[lea.pk]) in html
    assert "de Tom à confirmer" not in html and "Inconnu" not in html


@pytest.mark.parametrize("nb_enfants", [1, 4])
def test_it_runs_a_constant_number_of_queries(
    client_parent, parent, cantine, django_assert_num_queries, nb_enfants
):
    cantine.documents_requis.add(creer_type("Assurance scolaire"))
    for i in range(nb_enfants):
        inscription = inscrire(parent.famille, cantine, prenom=f"Enfant{i}")
        reserver(inscription, D(2026, 11, 30), etat="reservee")
        _facture(parent.famille, f"F-{i}", mois=i + 1)
        _demande(parent, f"demande {i}", Demande.Statut.ACCEPTEE)
    # session, user with responsable+famille and unread messages (comptes/backends.py),
    # demandes' total and pending counts (one aggregate), page of demandes, news,
    # children with their fiche's season, document types, documents, required documents,
    # invoices to pay (with what was paid), next booked days
    with django_assert_num_queries(11):
        response = client_parent.get(URL)
    html = response.content.decode()
    assert html.count("<tr>") == nb_enfants + 1
    assert html.count("Lundi 30 novembre") == nb_enfants
    assert html.count("Document à fournir") == nb_enfants
    assert html.count("à payer avant le") == nb_enfants
