"""Issue 10 part 2: absences declared by parents. The clock is Friday 27 November 2026,
10:00 in Paris; the canteen opens Mon/Tue/Thu/Fri, cancellation J-2 at 23:59 (week-ends
not counted): Monday 30 November is past its deadline, Tuesday 1 December is not."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from comptes.models import Courriel, Facture, QuotientFamilial
from comptes.services import finances
from comptes.services.jetons import nouveau_jeton
from portail import services as portail_services
from portail.models import Demande
from reservations import absences, services
from reservations.models import Absence, Reservation
from tests.finances.aide import jour as _jour
from tests.finances.aide import tarif as _tarif
from tests.inscriptions.conftest import PARIS
from tests.reservations.conftest import inscrire

D = datetime.date
E = Decimal
Etat = Reservation.Etat
AVANT = datetime.datetime(2026, 11, 20, 9, tzinfo=PARIS)  # bookings made a week earlier


def _pdf(nom="certificat.pdf"):
    return SimpleUploadedFile(nom, b"%PDF-1.4 certificat medical", content_type="application/pdf")


def _etats(inscription) -> dict:
    return dict(Reservation.objects.filter(inscription=inscription).values_list("date", "etat"))


def _regles(activite, **champs):
    parametres = activite.parametres_reservation
    for champ, valeur in champs.items():
        setattr(parametres, champ, valeur)
    parametres.save()


@pytest.fixture
def reservee(inscription):
    services.reserver(
        inscription, [D(2026, 11, 27), D(2026, 11, 30), D(2026, 12, 1)], maintenant=AVANT
    )
    return inscription


class TestRegles:
    def test_the_parent_reads_the_rules_for_these_very_days(self, reservee):
        apercu = absences.apercu(reservee, [D(2026, 11, 27), D(2026, 11, 30), D(2026, 12, 1)])
        assert apercu.signales == [D(2026, 11, 27), D(2026, 11, 30)]
        assert apercu.annules == [D(2026, 12, 1)]
        assert apercu.phrases() == [
            "Le 1 décembre : annulé sans frais (avant le délai d'annulation), la place "
            "revient à la liste d'attente.",
            "Absence du 27 au 30 novembre : 1 jour facturé (carence), 1 jour non facturé si le "
            "certificat est accepté. Sans certificat accepté, les 2 jours sont facturés.",
        ]
        assert not Absence.objects.exists()  # nothing written

    def test_three_days_with_one_carence_day(self, inscription, cantine):
        _regles(cantine, annulation_autorisee=False)
        jours = [D(2026, 12, 3), D(2026, 12, 4), D(2026, 12, 7)]
        services.reserver(inscription, jours, maintenant=AVANT)
        assert absences.apercu(inscription, jours).phrases() == [
            "Absence du 3 au 7 décembre : 1 jour facturé (carence), 2 jours non facturés si "
            "le certificat est accepté. Sans certificat accepté, les 3 jours sont facturés."
        ]
        _regles(cantine, absences_facturees=False)
        assert absences.apercu(inscription, jours).phrases() == [
            "Absence du 3 au 7 décembre : 3 jours non facturés."
        ]

    def test_the_billing_rule(self, cantine):
        p = cantine.parametres_reservation
        p.jours_carence = 2
        assert absences.jour_facture(Etat.ABSENCE_SIGNALEE, 5, p)
        assert [absences.jour_facture(Etat.ABSENCE_JUSTIFIEE, r, p) for r in range(4)] == [
            True,
            True,
            False,
            False,
        ]
        # Marked justified by staff by hand (no declared absence): never billed.
        assert not absences.jour_facture(Etat.ABSENCE_JUSTIFIEE, None, p)
        p.absences_facturees = False
        assert not absences.jour_facture(Etat.ABSENCE_SIGNALEE, 0, p)
        assert not absences.jour_facture(Etat.ABSENCE_JUSTIFIEE, 0, p)


class TestSignaler:
    def test_before_the_deadline_it_is_a_cancellation_and_the_place_goes_to_the_waiting_list(
        self, inscription, parent, etranger, coparent, cantine
    ):
        jour = D(2026, 12, 1)
        services.reserver(inscription, [jour], maintenant=AVANT)
        services.reserver(inscrire(etranger.famille, cantine, "Autre"), [jour], maintenant=AVANT)
        en_attente = inscrire(etranger.famille, cantine, "Troisième")
        services.reserver(en_attente, [jour], maintenant=AVANT)
        assert _etats(en_attente) == {jour: Etat.ATTENTE}
        resultat = absences.signaler(inscription, [jour], "maladie", demandeur=parent)
        assert resultat.absence is None and resultat.annules == [jour]
        assert _etats(inscription) == {jour: Etat.ANNULEE}
        assert _etats(en_attente) == {jour: Etat.RESERVEE}
        assert resultat.message() == "1 jour annulé sans frais."
        assert not Absence.objects.exists()

    def test_after_the_deadline_the_day_is_signalled_and_keeps_its_place(self, reservee, parent):
        resultat = absences.signaler(
            reservee, [D(2026, 11, 27), D(2026, 11, 30)], "maladie", demandeur=parent
        )
        absence = Absence.objects.get()
        assert resultat.absence == absence
        assert (absence.premier_jour, absence.dernier_jour) == (D(2026, 11, 27), D(2026, 11, 30))
        assert _etats(reservee)[D(2026, 11, 30)] == Etat.ABSENCE_SIGNALEE
        assert Reservation.objects.confirmees().filter(date=D(2026, 11, 30)).count() == 1
        assert absence.demande is None  # no certificate: nothing for staff to check
        ligne = Demande.objects.get(type=Demande.Type.RESERVATION, objet__contains="absence")
        assert (
            ligne.objet
            == "Léa Test — Restauration scolaire : absence du 27 au 30 novembre (maladie)"
        )
        assert resultat.message() == "2 jours d'absence signalés."

    def test_a_certificate_goes_to_the_staff_queue(self, reservee, parent):
        absences.signaler(reservee, [D(2026, 11, 30)], "maladie", _pdf(), demandeur=parent)
        absence = Absence.objects.get()
        assert absence.certificat.name.startswith(
            "certificats/"
        ) and absence.certificat.name.endswith(".pdf")
        assert "certificat" not in absence.certificat.name.rsplit("/", 1)[1]  # random name
        demande = absence.demande
        assert (demande.type, demande.statut) == (Demande.Type.CERTIFICAT_ABSENCE, "en_attente")

    def test_a_file_that_is_not_a_certificate_is_refused_and_nothing_written(self, reservee):
        faux = SimpleUploadedFile("certificat.pdf", b"MZ\x90\x00 un programme")
        with pytest.raises(services.ReservationError, match="PDF, une image JPEG ou PNG"):
            absences.signaler(reservee, [D(2026, 11, 30)], "maladie", faux)
        assert not Absence.objects.exists()
        assert _etats(reservee)[D(2026, 11, 30)] == Etat.RESERVEE

    @pytest.mark.parametrize(
        ("jour", "message"),
        [
            (D(2026, 12, 3), "Le 03/12 n'est pas un jour réservé pour Léa"),
            (D(2026, 11, 26), "n'est pas un jour réservé"),
        ],
    )
    def test_only_the_childs_own_booked_days(self, reservee, jour, message):
        with pytest.raises(services.ReservationError, match=message):
            absences.signaler(reservee, [D(2026, 11, 30), jour], "maladie")
        assert not Absence.objects.exists()
        assert _etats(reservee)[D(2026, 11, 30)] == Etat.RESERVEE

    def test_another_households_day_is_refused(self, reservee, etranger, cantine):
        autre = inscrire(etranger.famille, cantine, "Autre")
        services.reserver(autre, [D(2026, 12, 3)], maintenant=AVANT)
        with pytest.raises(services.ReservationError, match="pas un jour réservé pour Léa"):
            absences.signaler(reservee, [D(2026, 12, 3)], "maladie")
        assert _etats(autre) == {D(2026, 12, 3): Etat.RESERVEE}

    def test_a_past_day_or_a_day_already_signalled_is_refused(self, inscription):
        _jour(inscription, D(2026, 11, 26), "reservee")
        services.reserver(inscription, [D(2026, 11, 30)], maintenant=AVANT)
        with pytest.raises(services.ReservationError, match="est passé"):
            absences.signaler(inscription, [D(2026, 11, 26)], "maladie")
        absences.signaler(inscription, [D(2026, 11, 30)], "maladie")
        with pytest.raises(services.ReservationError, match="déjà signalée"):
            absences.signaler(inscription, [D(2026, 11, 30)], "autre")
        assert Absence.objects.count() == 1

    def test_a_signalled_day_cannot_be_cancelled_from_the_calendar(self, reservee):
        absences.signaler(reservee, [D(2026, 12, 1)], "maladie")  # (cancelled: in time)
        absences.signaler(reservee, [D(2026, 11, 30)], "maladie")
        bilan = services.annuler(reservee, [D(2026, 11, 30)])
        assert bilan.refuses == [(D(2026, 11, 30), "absence déjà signalée")]


class TestFacturation:
    """October, invoiced on 27 November: the absence was declared on Friday 2 October."""

    @pytest.fixture
    def octobre(self, parent, cantine, inscription):
        _tarif(cantine)
        _regles(cantine, annulation_autorisee=False)
        QuotientFamilial.objects.create(
            famille=parent.famille, valeur=E("650"), source="caf", depuis=D(2026, 9, 1)
        )
        for jour in (D(2026, 10, 1), D(2026, 10, 2), D(2026, 10, 5), D(2026, 10, 6)):
            _jour(inscription, jour, "reservee")
        return inscription

    def _signaler(self, inscription, parent, certificat=True):
        return absences.signaler(
            inscription,
            [D(2026, 10, 2), D(2026, 10, 5), D(2026, 10, 6)],
            "maladie",
            _pdf() if certificat else None,
            demandeur=parent,
            maintenant=datetime.datetime(2026, 10, 2, 7, tzinfo=PARIS),
        ).absence

    def _lignes(self, facture) -> dict:
        return {ligne.date.day: ligne for ligne in facture.lignes.all()}

    def test_signalled_days_are_billed_by_default(self, octobre, parent):
        self._signaler(octobre, parent, certificat=False)
        finances.facturer_mois(D(2026, 10, 1))
        lignes = self._lignes(Facture.objects.get())
        assert sorted(lignes) == [1, 2, 5, 6]
        assert lignes[5].libelle == "journée, absence signalée"

    def test_the_manager_may_not_bill_signalled_days(self, octobre, parent, cantine):
        _regles(cantine, absences_facturees=False)
        self._signaler(octobre, parent, certificat=False)
        finances.facturer_mois(D(2026, 10, 1))
        assert sorted(self._lignes(Facture.objects.get())) == [1]

    def test_a_certificate_accepted_before_invoicing_leaves_the_carence_day(
        self, octobre, parent, agent
    ):
        absence = self._signaler(octobre, parent)
        portail_services.accepter_demande(absence.demande.pk, agent)
        assert set(_etats(octobre).values()) == {Etat.RESERVEE, Etat.ABSENCE_JUSTIFIEE}
        finances.facturer_mois(D(2026, 10, 1))
        facture = Facture.objects.get()
        lignes = self._lignes(facture)
        assert sorted(lignes) == [1, 2]  # the 2nd: first day of the absence, carence
        assert lignes[2].libelle == "journée, absence justifiée (jour de carence)"
        assert facture.montant == E("4.20")
        assert not Facture.objects.filter(type=Facture.Type.AVOIR).exists()

    def test_two_carence_days(self, octobre, parent, agent, cantine):
        _regles(cantine, jours_carence=2)
        absence = self._signaler(octobre, parent)
        portail_services.accepter_demande(absence.demande.pk, agent)
        finances.facturer_mois(D(2026, 10, 1))
        assert sorted(self._lignes(Facture.objects.get())) == [1, 2, 5]

    def test_a_certificate_accepted_after_the_invoice_gives_a_credit_note(
        self, octobre, parent, agent
    ):
        absence = self._signaler(octobre, parent)
        finances.facturer_mois(D(2026, 10, 1))
        facture = Facture.objects.get()
        assert facture.montant == E("8.40")  # 4 days at 2,10 €
        portail_services.accepter_demande(absence.demande.pk, agent)
        facture.refresh_from_db()
        assert facture.montant == E("8.40")  # never edited
        assert sorted(self._lignes(facture)) == [1, 2, 5, 6]
        avoir = Facture.objects.get(type=Facture.Type.AVOIR)
        assert (avoir.facture_origine, avoir.montant) == (facture, E("4.20"))
        assert sorted(self._lignes(avoir)) == [5, 6]  # the credited days, the carence day kept
        assert "certificat accepté" in avoir.motif
        assert finances.solde(parent.famille) == E("4.20")
        # Crediting the same days again credits nothing.
        credites = Reservation.objects.filter(absence=absence, date__gte=D(2026, 10, 5))
        assert finances.crediter_jours(credites.values_list("pk", flat=True), "x", agent) == []
        courriel = Courriel.objects.get(destinataire=parent.user.email)
        assert "l'avoir n° " + avoir.numero in courriel.corps
        assert "2 jours non facturés, 1 jour de carence facturé" in courriel.corps

    def test_a_refused_certificate_keeps_the_days_billed_and_tells_why(
        self, octobre, parent, agent
    ):
        absence = self._signaler(octobre, parent)
        portail_services.refuser_demande(absence.demande.pk, agent, "Certificat illisible")
        assert Reservation.objects.filter(absence=absence, etat=Etat.ABSENCE_SIGNALEE).count() == 3
        courriel = Courriel.objects.get(destinataire=parent.user.email)
        assert "Certificat illisible" in courriel.corps
        assert Demande.objects.get(pk=absence.demande.pk).statut == Demande.Statut.REFUSEE
        finances.facturer_mois(D(2026, 10, 1))
        assert Facture.objects.get().montant == E("8.40")


class TestPages:
    URL = "signaler_absence"

    def _post(self, client, inscription, **donnees):
        return client.post(reverse(self.URL, args=[inscription.pk]), donnees)

    def test_it_checks_ownership(self, client, etranger, reservee):
        client.force_login(etranger.user)
        assert client.get(reverse(self.URL, args=[reservee.pk])).status_code == 404
        assert (
            self._post(
                client,
                reservee,
                jours=["2026-11-30"],
                motif="maladie",
                confirmer="1",
                jeton=nouveau_jeton(),
            ).status_code
            == 404
        )
        assert not Absence.objects.exists()

    def test_the_parent_sees_the_rules_then_confirms_with_a_certificate(
        self, client_parent, reservee
    ):
        page = client_parent.get(reverse(self.URL, args=[reservee.pk])).content.decode()
        assert "lundi 30 novembre 2026" in page and "Voir le récapitulatif" in page
        jeton = nouveau_jeton()
        jours = ["2026-11-27", "2026-11-30", "2026-12-01"]
        page = self._post(
            client_parent, reservee, jours=jours, motif="maladie", continuer="1", jeton=jeton
        )
        html = page.content.decode()
        assert "Absence du 27 au 30 novembre : 1 jour facturé (carence)" in html
        assert "Le 1 décembre : annulé sans frais" in html
        assert not Absence.objects.exists()
        reponse = client_parent.post(
            reverse(self.URL, args=[reservee.pk]),
            {
                "jours": jours,
                "motif": "maladie",
                "confirmer": "1",
                "jeton": jeton,
                "certificat": _pdf(),
            },
        )
        assert reponse.status_code == 302
        assert _etats(reservee) == {
            D(2026, 11, 27): Etat.ABSENCE_SIGNALEE,
            D(2026, 11, 30): Etat.ABSENCE_SIGNALEE,
            D(2026, 12, 1): Etat.ANNULEE,
        }
        assert Absence.objects.get().demande.type == Demande.Type.CERTIFICAT_ABSENCE
        # The same form sent again does nothing more.
        client_parent.post(
            reverse(self.URL, args=[reservee.pk]),
            {"jours": jours, "motif": "maladie", "confirmer": "1", "jeton": jeton},
        )
        assert Absence.objects.count() == 1
        calendrier = client_parent.get(
            reverse("calendrier", args=[reservee.pk, 2026, 11])
        ).content.decode()
        assert "absence signalée" in calendrier
        assert 'value="2026-11-30"' not in calendrier  # not a box to untick any more

    def test_a_forged_day_is_refused_with_a_french_message(
        self, client_parent, reservee, etranger, cantine
    ):
        autre = inscrire(etranger.famille, cantine, "Autre")
        services.reserver(autre, [D(2026, 12, 3)], maintenant=AVANT)
        html = self._post(
            client_parent,
            reservee,
            jours=["2026-11-30", "2026-12-03"],
            motif="maladie",
            confirmer="1",
            jeton=nouveau_jeton(),
        ).content.decode()
        assert "Le jour 2026-12-03 n&#x27;est pas un jour réservé à venir" in html
        assert not Absence.objects.exists()
        assert _etats(reservee)[D(2026, 11, 30)] == Etat.RESERVEE
        assert _etats(autre) == {D(2026, 12, 3): Etat.RESERVEE}

    def test_a_day_that_became_unavailable_is_refused_by_the_service(
        self, client_parent, reservee, monkeypatch
    ):
        # The page offered the day; by the time it is sent, the day is no longer booked.
        services.annuler(reservee, [D(2026, 12, 1)])
        monkeypatch.setattr(
            absences, "jours_signalables", lambda i: [(D(2026, 12, 1), "mardi 1 décembre 2026")]
        )
        html = self._post(
            client_parent,
            reservee,
            jours=["2026-12-01"],
            motif="maladie",
            continuer="1",
            jeton=nouveau_jeton(),
        ).content.decode()
        assert "Le 01/12 n&#x27;est pas un jour réservé pour Léa" in html

    def test_a_bad_certificate_keeps_the_second_step_and_writes_nothing(
        self, client_parent, reservee
    ):
        faux = SimpleUploadedFile("certificat.pdf", b"<html>pas un PDF</html>")
        html = client_parent.post(
            reverse(self.URL, args=[reservee.pk]),
            {
                "jours": ["2026-11-30"],
                "motif": "maladie",
                "confirmer": "1",
                "jeton": nouveau_jeton(),
                "certificat": faux,
            },
        ).content.decode()
        assert "Le certificat doit être un PDF, une image JPEG ou PNG." in html
        assert "Signaler l'absence" in html and "Absence du 30 novembre" in html
        assert not Absence.objects.exists()
        assert _etats(reservee)[D(2026, 11, 30)] == Etat.RESERVEE

    def test_the_certificate_is_served_to_its_household_and_staff_only(
        self, client, reservee, parent, etranger, agent
    ):
        absences.signaler(reservee, [D(2026, 11, 30)], "maladie", _pdf(), demandeur=parent)
        url = reverse("certificat_absence", args=[Absence.objects.get().pk])
        client.force_login(etranger.user)
        assert client.get(url).status_code == 404
        client.force_login(parent.user)
        assert client.get(url)["Content-Type"] == "application/pdf"
        client.force_login(agent)
        assert client.get(url).status_code == 200

    def test_a_certificate_sent_later(self, client_parent, reservee, parent):
        absences.signaler(reservee, [D(2026, 11, 30)], "maladie", demandeur=parent)
        absence = Absence.objects.get()
        page = client_parent.get(reverse(self.URL, args=[reservee.pk])).content.decode()
        assert reverse("joindre_certificat", args=[absence.pk]) in page
        reponse = client_parent.post(
            reverse("joindre_certificat", args=[absence.pk]), {"certificat": _pdf()}
        )
        assert reponse.status_code == 302
        absence.refresh_from_db()
        assert absence.demande.statut == Demande.Statut.EN_ATTENTE
        html = client_parent.post(
            reverse("joindre_certificat", args=[absence.pk]), {"certificat": _pdf()}
        ).content.decode()
        assert "déjà transmis" in html


class TestService:
    def test_the_day_list_shows_declared_absences(self, client_agent, reservee, parent):
        absences.signaler(reservee, [D(2026, 11, 27)], "maladie", demandeur=parent)
        html = client_agent.get(
            reverse("admin:reservations_liste_du_jour"),
            {"activite": reservee.activite_id, "date": "2026-11-27"},
        ).content.decode()
        assert "<strong>Absence signalée</strong> (maladie)" in html
        assert "<strong>0</strong> enfant attendu" in html
        assert "<strong>1</strong> absence signalée par les familles" in html

    def test_the_queue_links_to_the_certificate(self, client_agent, reservee, parent):
        absences.signaler(reservee, [D(2026, 11, 30)], "maladie", _pdf(), demandeur=parent)
        absence = Absence.objects.get()
        html = client_agent.get(
            reverse("admin:portail_demande_change", args=[absence.demande.pk])
        ).content.decode()
        assert reverse("certificat_absence", args=[absence.pk]) in html

    def test_staff_may_still_mark_the_child_present(self, reservee, agent):
        absences.signaler(reservee, [D(2026, 11, 27)], "maladie")
        r = Reservation.objects.get(date=D(2026, 11, 27), inscription=reservee)
        assert services.pointer([r.pk], Etat.PRESENT, agent) == (1, [])


def test_closing_the_account_erases_the_certificates_and_the_export_lists_absences(
    reservee, parent, agent, django_capture_on_commit_callbacks
):
    from portail import rgpd

    absences.signaler(reservee, [D(2026, 11, 30)], "maladie", _pdf(), demandeur=parent)
    absence = Absence.objects.get()
    nom = absence.certificat.name
    assert absence.certificat.storage.exists(nom)
    export = rgpd.donnees_du_foyer(parent.famille)
    section = next(s for s in export["sections"] if s["titre"] == "Absences signalées")
    assert len(section["elements"]) == 1
    with django_capture_on_commit_callbacks(execute=True):
        rgpd.anonymiser_famille(parent.famille, agent)
    absence.refresh_from_db()
    assert absence.certificat == ""
    assert not absence.certificat.storage.exists(nom)


def test_certificates_are_erased_with_the_health_data(
    reservee, parent, django_capture_on_commit_callbacks
):
    import time_machine

    from portail import rgpd

    absences.signaler(reservee, [D(2026, 11, 30)], "maladie", _pdf(), demandeur=parent)
    nom = Absence.objects.get().certificat.name
    assert rgpd.purger(simulation=True)["certificats_absence"] == 0  # still needed
    with time_machine.travel(datetime.datetime(2036, 1, 5, 10), tick=False):
        assert rgpd.purger(simulation=True)["certificats_absence"] == 1
        with django_capture_on_commit_callbacks(execute=True):
            rgpd.purger()
    absence = Absence.objects.get()
    assert absence.certificat == "" and absence.premier_jour == D(2026, 11, 30)
    assert not absence.certificat.storage.exists(nom)
