import datetime
import io

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from reservations import services
from reservations.models import Reservation
from tests.reservations.conftest import inscrire

D = datetime.date
LISTE = reverse("admin:reservations_liste_du_jour")


def _jour_garni(parent, cantine):
    lea = inscrire(parent.famille, cantine, "Léa", allergies="Arachide", pai=True)
    hugo = inscrire(parent.famille, cantine, "Hugo")
    for i in (lea, hugo):
        services.reserver(i, [D(2026, 12, 3)])
    return lea, hugo


def test_the_daily_list_shows_children_with_health_flags(client_agent, parent, cantine):
    _jour_garni(parent, cantine)
    html = client_agent.get(LISTE, {"activite": cantine.pk, "date": "2026-12-03"}).content.decode()
    assert "2</strong> enfants attendus" in html
    assert "Allergies :</strong> Arachide" in html and "PAI" in html


def test_the_daily_list_prints_as_a_pdf_for_the_canteen(client_agent, parent, cantine):
    _jour_garni(parent, cantine)
    response = client_agent.get(
        LISTE, {"activite": cantine.pk, "date": "2026-12-03", "format": "pdf"}
    )
    texte = PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages[0].extract_text()
    assert "2 enfants attendus" in texte
    assert "Allergies : Arachide" in texte
    assert "jeudi 3 décembre 2026" in texte


def test_the_daily_list_exports_to_csv(client_agent, parent, cantine):
    _jour_garni(parent, cantine)
    response = client_agent.get(
        LISTE, {"activite": cantine.pk, "date": "2026-12-03", "format": "csv"}
    )
    lignes = response.content.decode("utf-8-sig").splitlines()
    assert lignes[0].startswith("Date;Enfant;Classe")
    assert len(lignes) == 3
    assert any("Arachide" in ligne and ";oui;" in ligne for ligne in lignes)


def test_attendance_is_marked_in_bulk_on_the_day(client_agent, parent, cantine, horloge):
    lea, hugo = _jour_garni(parent, cantine)
    horloge.move_to(datetime.datetime(2026, 12, 3, 12, tzinfo=datetime.UTC))
    ids = list(Reservation.objects.values_list("pk", flat=True))
    client_agent.post(
        reverse("admin:reservations_reservation_changelist"),
        {"action": "marquer_present", ACTION_CHECKBOX_NAME: ids},
    )
    assert set(Reservation.objects.values_list("etat", flat=True)) == {"present"}
    url = f"{LISTE}?activite={cantine.pk}&date=2026-12-03"
    client_agent.post(url, {"reservations": [ids[0]], "etat": "absence_justifiee"})
    assert Reservation.objects.get(pk=ids[0]).etat == "absence_justifiee"


def test_the_month_occupancy_shows_booked_against_places(client_agent, parent, cantine):
    _jour_garni(parent, cantine)
    services.reserver(inscrire(parent.famille, cantine, "Trois"), [D(2026, 12, 3)])
    html = client_agent.get(
        reverse("admin:reservations_occupation"), {"activite": cantine.pk, "mois": "2026-12"}
    ).content.decode()
    assert "2 / 2" in html and "100 %" in html
    assert "jeu 3" in html
    assert "mer 2" not in html  # closed days are left out


def test_staff_book_for_a_family_through_the_same_rules(client_agent, parent, cantine):
    inscription = inscrire(parent.famille, cantine)
    url = reverse("admin:inscriptions_inscription_changelist")
    response = client_agent.post(
        url + "?statut=toutes",
        {
            "action": "reserver_pour_la_famille",
            ACTION_CHECKBOX_NAME: [inscription.pk],
            "confirmer": "1",
            "debut": "2026-11-30",
            "fin": "2026-12-04",
            "jours": ["0", "2"],
        },
        follow=True,
    )
    html = response.content.decode()
    # Deadlines are waived for staff (30/11 is past J-2), closed days are not (Wednesday).
    assert "1 jour réservé, 1 refusé (02/12 : fermé (pas d&#x27;accueil ce jour))" in html
    assert list(Reservation.objects.values_list("date", flat=True)) == [D(2026, 11, 30)]


def test_the_csv_export_neutralises_formulas(client_agent, parent, cantine):
    inscription = inscrire(parent.famille, cantine, "Léa", allergies='=HYPERLINK("x")')
    services.reserver(inscription, [D(2026, 12, 3)])
    response = client_agent.get(
        LISTE, {"activite": cantine.pk, "date": "2026-12-03", "format": "csv"}
    )
    assert "\"'=HYPERLINK" in response.content.decode("utf-8-sig")


def test_staff_override_places_on_a_day_that_already_has_bookings(client_agent, parent, cantine):
    from reservations.models import Journee

    services.reserver(inscrire(parent.famille, cantine), [D(2026, 12, 3)])
    assert Journee.objects.filter(activite=cantine, date=D(2026, 12, 3)).exists()
    formset = client_agent.get(
        reverse("admin:inscriptions_activite_change", args=[cantine.pk])
    ).context["inline_admin_formsets"]
    data = {}
    for inline in formset:
        fs = inline.formset
        data.update({f"{fs.prefix}-{k}": v for k, v in fs.management_form.initial.items()})
        for i, form in enumerate(fs.forms):
            for name, field in form.fields.items():
                value = form.initial.get(name, field.initial)
                if value is None or value is False:
                    continue
                key = f"{fs.prefix}-{i}-{name}"
                if isinstance(value, list):
                    data[key] = [str(v) for v in value]
                elif hasattr(value, "pk"):
                    data[key] = value.pk
                else:
                    data[key] = str(value)
    admin_form = (
        client_agent.get(reverse("admin:inscriptions_activite_change", args=[cantine.pk]))
        .context["adminform"]
        .form
    )
    for name in admin_form.fields:
        value = admin_form.initial.get(name)
        if value in (None, False):
            continue
        if isinstance(value, list):
            data[name] = [str(v) for v in value]
        elif hasattr(value, "isoformat") and hasattr(value, "hour"):
            local = timezone.localtime(value)
            data[f"{name}_0"], data[f"{name}_1"] = (
                local.date().isoformat(),
                local.strftime("%H:%M:%S"),
            )
        else:
            data[name] = str(getattr(value, "pk", value))
    prefixe = next(i.formset.prefix for i in formset if i.formset.model.__name__ == "Journee")
    data[f"{prefixe}-TOTAL_FORMS"] = "1"
    data.update(
        {
            f"{prefixe}-0-date": "2026-12-03",
            f"{prefixe}-0-fermee": "on",
            f"{prefixe}-0-motif": "Grève",
        }
    )
    response = client_agent.post(
        reverse("admin:inscriptions_activite_change", args=[cantine.pk]), data, follow=True
    )
    assert response.status_code == 200
    assert "désormais fermés" in response.content.decode(), response.content.decode()[:3000]
    journee = Journee.objects.get(activite=cantine, date=D(2026, 12, 3))
    assert (journee.fermee, journee.motif) == (True, "Grève")
    assert not Reservation.objects.actives().exists()
