from django.urls import reverse

from familles.models import Responsable
from portail.models import Demande

URL = reverse("mes_coordonnees")


def _donnees(responsable, **extra):
    data = {c: getattr(responsable, c) for c in Responsable.CHAMPS_COORDONNEES}
    data.update(extra)
    return data


def test_it_shows_the_email_read_only(client_parent, parent):
    html = client_parent.get(URL).content.decode()
    assert 'value="parent@example.org" readonly' in html
    assert "Modifiable uniquement par le service" in html
    assert 'name="email"' not in html


def test_a_change_waits_for_staff(client_parent, parent):
    response = client_parent.post(URL, _donnees(parent, adresse="3 place du Marché"))
    assert response.status_code == 302
    parent.refresh_from_db()
    assert parent.adresse != "3 place du Marché"
    demande = Demande.objects.get(type=Demande.Type.COORDONNEES)
    assert demande.statut == Demande.Statut.EN_ATTENTE
    assert demande.donnees == {"adresse": "3 place du Marché"}
    html = client_parent.get(URL).content.decode()
    assert "Modification en attente de validation" in html
    assert "3 place du Marché" in html


def test_a_second_change_replaces_the_pending_one(client_parent, parent):
    client_parent.post(URL, _donnees(parent, adresse="3 place du Marché"))
    client_parent.post(URL, _donnees(parent, adresse="4 place du Marché", ville="Rezé"))
    demande = Demande.objects.get(type=Demande.Type.COORDONNEES)
    assert demande.donnees == {"adresse": "4 place du Marché", "ville": "Rezé"}


def test_it_ignores_an_email_sent_in_the_form(client_parent, parent):
    client_parent.post(URL, _donnees(parent, email="pirate@example.org", ville="Rezé"))
    parent.user.refresh_from_db()
    assert parent.user.email == "parent@example.org"
    assert "email" not in Demande.objects.get().donnees


def test_it_rejects_a_malformed_phone(client_parent, parent):
    response = client_parent.post(URL, _donnees(parent, telephone_mobile="06 12"))
    assert response.status_code == 200
    assert "numéro de téléphone n&#x27;est pas valide" in response.content.decode()
    assert not Demande.objects.exists()


def test_it_rejects_a_malformed_postcode(client_parent, parent):
    response = client_parent.post(URL, _donnees(parent, code_postal="4400"))
    assert response.status_code == 200
    assert "Le code postal doit compter 5 chiffres" in response.content.decode()
    assert not Demande.objects.exists()


def test_an_unchanged_form_says_so(client_parent, parent):
    response = client_parent.post(URL, _donnees(parent))
    assert response.status_code == 200
    assert "Vous n&#x27;avez modifié aucune information" in response.content.decode()
    assert not Demande.objects.exists()
