"""Online payment (issue #8, defect 1): an invoice is paid online only when the bank itself
vouches for the payment, for the order we opened and the exact amount asked, once, and
never in test mode outside the demo. PayFiP's web service is a fake here (no network)."""

import datetime
import threading

import pytest
from django.db import connection
from django.urls import reverse
from eopayment import payfip_ws

from comptes.errors import DomainError
from comptes.models import Facture, Paiement, TransactionEnLigne
from comptes.services import finances, paiement_en_ligne
from portail.roles import REGISSEUR
from tests.conftest import creer_agent
from tests.finances.aide import jour as _jour
from tests.finances.aide import tarif as _tarif
from tests.test_settings import PRODUCTION, _manage

D = datetime.date
NOTIFICATION = reverse("notification_paiement")
RETOUR = reverse("retour_paiement")


@pytest.fixture
def facture(parent, cantine, inscription):
    _tarif(cantine)
    _jour(inscription, D(2026, 10, 1))
    finances.facturer_mois(D(2026, 10, 1))
    return Facture.objects.get()  # 4,50 €


class Detail(dict):
    """What recupererDetailPaiementSecurise returns (zeep objects read both ways)."""

    __getattr__ = dict.get


class FausseBanque:
    """PayFiP's web service: opens operations, then tells what became of them."""

    def __init__(self):
        self.operations = {}
        self.consultations = 0
        self.panne = False

    def get_idop(self, numcli, saisie, refdet, montant, **_):
        idop = f"idop{len(self.operations) + 1:04d}"
        self.operations[idop] = Detail(
            idOp=idop, numcli=numcli, saisie=saisie, refdet=refdet, montant=montant
        )
        return idop

    def get_info_paiement(self, idop, timeout=None):
        self.consultations += 1
        if self.panne:
            raise payfip_ws.PayFiPError("HTTP error", "connexion refusée")
        if idop not in self.operations:
            raise payfip_ws.PayFiPError("P1", "opération inconnue")
        if "resultrans" not in self.operations[idop]:
            raise payfip_ws.PayFiPError("P5", "paiement en cours")
        return self.operations[idop]

    def repond(self, idop, resultrans="P", **donnees):
        # 9:50, ten minutes before the tests' clock: a cancellation is final
        self.operations[idop].update(
            resultrans=resultrans, numauto="A1B2", dattrans="27112026", heurtrans="0950"
        )
        self.operations[idop].update(donnees)


@pytest.fixture
def banque(settings, monkeypatch):
    settings.PAIEMENT_EN_LIGNE_BACKEND = "payfip_ws"
    settings.PAIEMENT_EN_LIGNE_OPTIONS = {"numcli": "123456", "saisie": "W"}
    settings.PAIEMENT_BANQUE_DE_TEST = False
    fausse = FausseBanque()
    monkeypatch.setattr(payfip_ws.PayFiP, "get_idop", lambda _, **kw: fausse.get_idop(**kw))
    monkeypatch.setattr(
        payfip_ws.PayFiP, "get_info_paiement", lambda _, idop, **kw: fausse.get_info_paiement(idop)
    )
    return fausse


def _ouvrir(client_parent, facture) -> str:
    url = client_parent.post(reverse("payer_en_ligne", args=[facture.pk]))["Location"]
    assert url.startswith("https://www.payfip.gouv.fr/tpa/paiementws.web?idop=")
    return url.partition("idop=")[2]


def _notifier(client, idop):
    """PayFiP's server-to-server call: a POST with the operation's id."""
    return client.post(
        NOTIFICATION, f"idOp={idop}", content_type="application/x-www-form-urlencoded"
    )


class TestPayFiP:
    def test_a_payment_the_bank_confirms_counts_once(self, client_parent, facture, banque):
        idop = _ouvrir(client_parent, facture)
        assert banque.operations[idop]["montant"] == "450"  # cents, as PayFiP counts
        banque.repond(idop)
        assert _notifier(client_parent, idop).content == b"ok"
        html = client_parent.get(f"{RETOUR}?idop={idop}", follow=True).content.decode()
        assert "Paiement de 4,50\u00a0€ reçu" in html
        _notifier(client_parent, idop)  # the bank notifies again
        assert Paiement.objects.get().montant == facture.montant
        assert banque.consultations == 1  # a replay is not even asked again

    def test_a_forged_answer_records_nothing(self, client, client_parent, facture, banque):
        idop = _ouvrir(client_parent, facture)
        # the forgery (TIPI's answer format), then the right id with a claimed result
        forge = client.get(f"{NOTIFICATION}?refdet={facture.numero}&resultrans=P")
        assert forge.status_code == 400
        client.get(f"{NOTIFICATION}?idop={idop}&resultrans=P&montant=450")
        assert not Paiement.objects.exists()
        assert TransactionEnLigne.objects.get().statut == "en_cours"  # still payable
        banque.repond(idop)
        _notifier(client, idop)
        assert Paiement.objects.count() == 1

    @pytest.mark.parametrize(
        ("donnees", "motif"),
        [
            ({"montant": "100"}, "1,00\u00a0€ payés au lieu de 4,50\u00a0€"),
            ({"saisie": "T"}, "mode test"),
            ({"refdet": "F2026999999"}, "référence F2026999999"),
            ({"numcli": "654321"}, "numéro client 654321"),
        ],
        ids=["sous-payé", "mode-test", "autre-facture", "autre-client"],
    )
    def test_a_paid_answer_for_something_else_is_set_aside(
        self, client_parent, facture, banque, donnees, motif
    ):
        idop = _ouvrir(client_parent, facture)
        banque.repond(idop, **donnees)
        html = client_parent.get(f"{RETOUR}?idop={idop}", follow=True).content.decode()
        assert "ne correspond pas au paiement demandé" in html
        _notifier(client_parent, idop)
        assert not Paiement.objects.exists()
        operation = TransactionEnLigne.objects.get()
        assert operation.statut == "anomalie" and motif in operation.motif

    def test_a_refused_payment_records_nothing(self, client_parent, facture, banque):
        idop = _ouvrir(client_parent, facture)
        banque.repond(idop, "R")
        html = client_parent.get(f"{RETOUR}?idop={idop}", follow=True).content.decode()
        assert "pas abouti : rien" in html
        assert not Paiement.objects.exists()

    def test_the_bank_unreachable_is_retried_later(self, client, client_parent, facture, banque):
        idop = _ouvrir(client_parent, facture)
        banque.repond(idop)
        banque.panne = True
        reponse = _notifier(client, idop)
        assert reponse.status_code == 400  # PayFiP notifies again
        assert "la confirmation de la banque suivra" in reponse.content.decode()
        assert not Paiement.objects.exists()
        banque.panne = False
        _notifier(client, idop)
        assert Paiement.objects.count() == 1

    def test_an_unknown_operation_is_not_asked_to_the_bank(self, db, client, banque):
        reponse = _notifier(client, "idop9999")
        assert "Paiement inconnu" in reponse.content.decode()
        assert banque.consultations == 0

    def test_under_one_euro_the_family_pays_at_the_counter(self, parent, agent, facture, banque):
        finances.enregistrer_paiement(parent.famille, "4", "especes", agent, facture)
        with pytest.raises(DomainError, match="commence à 1,00"):
            paiement_en_ligne.demarrer_paiement_en_ligne(facture, "parent@example.org")
        assert not banque.operations


class TestBanqueDeTest:
    """The dummy backend, believed only in the demo (PAIEMENT_BANQUE_DE_TEST)."""

    def _ouvrir(self, facture) -> str:
        url = paiement_en_ligne.demarrer_paiement_en_ligne(facture, "parent@example.org")
        return url.split("transaction_id=")[1].split("&")[0]

    def test_an_underpaid_answer_is_set_aside(self, facture):
        transaction_id = self._ouvrir(facture)
        reponse = f"transaction_id={transaction_id}&amount=1.00&ok=1&signed=1"
        paiement_en_ligne.traiter_retour_banque(reponse)
        assert not Paiement.objects.exists()
        assert TransactionEnLigne.objects.get().statut == "anomalie"

    def test_an_answer_without_the_amount_is_set_aside(self, facture):
        transaction_id = self._ouvrir(facture)
        paiement_en_ligne.traiter_retour_banque(f"transaction_id={transaction_id}&ok=1&signed=1")
        assert not Paiement.objects.exists()

    def test_outside_the_demo_its_answers_are_refused(self, settings, facture):
        transaction_id = self._ouvrir(facture)
        settings.PAIEMENT_BANQUE_DE_TEST = False
        reponse = f"transaction_id={transaction_id}&amount=4.50&ok=1&signed=1"
        with pytest.raises(DomainError, match="mal configuré"):
            paiement_en_ligne.traiter_retour_banque(reponse)
        with pytest.raises(DomainError, match="mal configuré"):
            paiement_en_ligne.demarrer_paiement_en_ligne(facture, "parent@example.org")
        assert not Paiement.objects.exists()


def test_tipi_answers_are_never_believed(settings, client, facture):
    """The issue: with `tipi`, the parent's own request to the notification URL paid the
    invoice. A TIPI payment opened before the upgrade cannot be completed that way."""
    settings.PAIEMENT_EN_LIGNE_BACKEND = "tipi"
    settings.PAIEMENT_EN_LIGNE_OPTIONS = {"numcli": "123456", "saisie": "A"}
    TransactionEnLigne.objects.create(facture=facture, montant="4.50", identifiant="F2026000001")
    reponse = client.get(f"{NOTIFICATION}?refdet=F2026000001&resultrans=P")
    assert reponse.status_code == 400
    assert not Paiement.objects.exists()
    with pytest.raises(DomainError):
        paiement_en_ligne.demarrer_paiement_en_ligne(facture, "parent@example.org")


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"PAIEMENT_EN_LIGNE_BACKEND": "tipi"}, "« tipi » n'est pas pris en charge"),
        ({"PAIEMENT_EN_LIGNE_ACTIF": "1"}, "« dummy » croit ce que renvoie le navigateur"),
        (
            {"PAIEMENT_EN_LIGNE_BACKEND": "payfip_ws", "PAIEMENT_EN_LIGNE_OPTIONS": "{}"},
            "numéro client",
        ),
        (
            {
                "PAIEMENT_EN_LIGNE_BACKEND": "payfip_ws",
                "PAIEMENT_EN_LIGNE_OPTIONS": '{"numcli": "123456"}',
            },
            "le mode test",
        ),
    ],
    ids=["tipi", "dummy", "payfip-sans-numcli", "payfip-en-test"],
)
def test_a_backend_that_cannot_vouch_is_refused_at_start_up(variables, message):
    resultat = _manage("check", **PRODUCTION, **variables)
    assert resultat.returncode != 0
    assert message in resultat.stderr


def test_payfip_in_production_starts_and_the_test_bank_is_flagged():
    payfip = {
        "PAIEMENT_EN_LIGNE_BACKEND": "payfip_ws",
        "PAIEMENT_EN_LIGNE_OPTIONS": '{"numcli": "123456", "saisie": "W"}',
    }
    resultat = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, **payfip)
    assert resultat.returncode == 0, resultat.stderr
    demo = {**payfip, "PAIEMENT_BANQUE_DE_TEST": "1"}
    resultat = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, **demo)
    assert "comptes.W001" in resultat.stderr + resultat.stdout


def test_the_cashier_finds_the_payments_to_check(client, facture):
    TransactionEnLigne.objects.create(
        facture=facture,
        montant="4.50",
        identifiant="idop0001",
        statut="anomalie",
        motif="1,00\u00a0€ payés au lieu de 4,50\u00a0€",
    )
    client.force_login(creer_agent("regie@example.org", REGISSEUR))
    liste = reverse("admin:comptes_transactionenligne_changelist")
    html = client.get(f"{liste}?statut__exact=anomalie").content.decode()
    assert "1,00\u00a0€ payés au lieu de 4,50\u00a0€" in html and facture.numero in html


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_the_return_and_the_notification_at_once_count_once(client_parent, facture, banque):
    idop = _ouvrir(client_parent, facture)
    banque.repond(idop)
    # both answers have seen the operation unpaid before either asks the bank
    ensemble = threading.Barrier(2)
    demander = banque.get_info_paiement

    def get_info_paiement(idop, timeout=None):
        ensemble.wait()
        return demander(idop)

    banque.get_info_paiement = get_info_paiement
    statuts = []

    def notifier():
        try:
            statuts.append(paiement_en_ligne.traiter_retour_banque(f"idOp={idop}").statut)
        finally:
            connection.close()

    threads = [threading.Thread(target=notifier) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuts == ["payee", "payee"]
    assert Paiement.objects.count() == 1
