"""Day-list PDFs of several sites or days, built by the worker (issue 13 part 6)."""

import datetime
import io

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from inscriptions.models import Site
from portail.roles import DIRECTION_SITE
from reservations import services
from reservations.models import LotListesDuJour, ParametresReservation, PdfListeDuJour
from tests.conftest import creer_agent
from tests.reservations.conftest import inscrire

D = datetime.date
AJOUTER = reverse("admin:reservations_lotlistesdujour_add")


@pytest.fixture
def deux_sites(parent, site, cantine, creer_activite):
    """Jules Ferry: Léa on Thursday 3 and Friday 4 December; Victor Hugo: Tom on the 3rd."""
    hugo = Site.objects.create(nom="École Victor Hugo")
    cantine_hugo = creer_activite(nom="Cantine Hugo", site=hugo)
    ParametresReservation.objects.create(activite=cantine_hugo, jours_ouverture=[0, 1, 3, 4])
    services.reserver(
        inscrire(parent.famille, cantine, "Léa", allergies="Arachide"),
        [D(2026, 12, 3), D(2026, 12, 4)],
    )
    services.reserver(inscrire(parent.famille, cantine_hugo, "Tom"), [D(2026, 12, 3)])
    return site, hugo


def _demander(client, capture, sites, forme="separees", du="2026-11-30", au="2026-12-06"):
    with capture(execute=True):
        return client.post(
            AJOUTER,
            {
                "sites": [s.pk for s in sites],
                "premier_jour": du,
                "dernier_jour": au,
                "forme": forme,
            },
        )


def _texte(client, lot, pdf) -> str:
    url = reverse("admin:reservations_lotlistesdujour_pdf", args=[lot.pk])
    response = client.get(url, {"fichier": pdf.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    lecteur = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    return "\n".join(page.extract_text() for page in lecteur.pages), len(lecteur.pages)


def test_the_request_only_queues_the_batch_and_the_worker_makes_one_pdf_per_site_and_day(
    client_agent, deux_sites, django_capture_on_commit_callbacks, executer_taches
):
    response = _demander(client_agent, django_capture_on_commit_callbacks, deux_sites)
    lot = LotListesDuJour.objects.get()
    assert response.url == reverse("admin:reservations_lotlistesdujour_change", args=[lot.pk])
    assert not PdfListeDuJour.objects.exists()
    assert (
        DBTaskResult.objects.filter(task_path="reservations.tasks.preparer_listes_du_jour").count()
        == 1
    )
    page = client_agent.get(response.url).content.decode()
    assert "en attente du worker" in page
    assert '<meta http-equiv="refresh" content="3">' in page

    executer_taches()

    lot.refresh_from_db()
    assert lot.etat == LotListesDuJour.Etat.TERMINE
    assert (lot.listes_a_faire, lot.listes_faites) == (3, 3)  # the empty days are skipped
    pdfs = list(lot.pdfs.order_by("jour", "site__nom"))
    assert [(p.site.nom, p.jour) for p in pdfs] == [
        ("École Jules Ferry", D(2026, 12, 3)),
        ("École Victor Hugo", D(2026, 12, 3)),
        ("École Jules Ferry", D(2026, 12, 4)),
    ]
    # Random names under the private storage, never the child's or the site's.
    assert all(p.fichier.name.startswith("listes-du-jour/2026/") for p in pdfs)
    assert not any("Ferry" in p.fichier.name for p in pdfs)
    texte, _ = _texte(client_agent, lot, pdfs[0])
    assert "École Jules Ferry" in texte and "jeudi 3 décembre 2026" in texte
    assert "Léa" in texte and "Arachide" in texte and "Tom" not in texte
    texte, _ = _texte(client_agent, lot, pdfs[1])
    assert "Tom" in texte and "Léa" not in texte
    page = client_agent.get(response.url).content.decode()
    assert 'value="100"' in page and "3 / 3" in page
    assert 'http-equiv="refresh"' not in page


def test_a_combined_batch_is_one_pdf_with_every_list(
    client_agent, deux_sites, django_capture_on_commit_callbacks, executer_taches
):
    _demander(client_agent, django_capture_on_commit_callbacks, deux_sites, forme="combinee")
    executer_taches()
    lot = LotListesDuJour.objects.get()
    pdf = lot.pdfs.get()
    assert pdf.site is None
    texte, pages = _texte(client_agent, lot, pdf)
    assert pages == 3
    assert texte.index("jeudi 3 décembre") < texte.index("vendredi 4 décembre")
    assert "Tom" in texte and "Léa" in texte


@pytest.mark.parametrize(
    ("du", "au", "message"),
    [
        ("2026-12-04", "2026-12-03", "Le dernier jour doit suivre le premier."),
        ("2026-12-01", "2027-01-05", "Un lot couvre 31 jours au plus"),
        ("", "2026-12-03", "Choisissez un jour."),
    ],
)
def test_bad_dates_are_refused_in_french_and_queue_nothing(
    client_agent, deux_sites, django_capture_on_commit_callbacks, du, au, message
):
    response = _demander(client_agent, django_capture_on_commit_callbacks, deux_sites, du=du, au=au)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not LotListesDuJour.objects.exists() and not DBTaskResult.objects.exists()


def test_a_site_director_asks_only_for_their_sites_and_sees_only_their_batches(
    client, client_agent, deux_sites, django_capture_on_commit_callbacks, executer_taches
):
    ferry, hugo = deux_sites
    directrice = creer_agent("directrice@example.org", DIRECTION_SITE)
    ferry.directeurs.add(directrice)
    client.force_login(directrice)
    formulaire = client.get(AJOUTER).content.decode()
    assert "École Jules Ferry" in formulaire and "École Victor Hugo" not in formulaire
    response = _demander(client, django_capture_on_commit_callbacks, [ferry, hugo])
    assert "Choisissez parmi vos sites." in response.content.decode()
    assert not LotListesDuJour.objects.exists()

    # A batch of both sites asked for by the service: not for the director of one.
    client.force_login(directrice)
    _demander(client, django_capture_on_commit_callbacks, [ferry])
    mien = LotListesDuJour.objects.get()
    executer_taches()
    client_agent.force_login(creer_agent("service@example.org"))
    _demander(client_agent, django_capture_on_commit_callbacks, [ferry, hugo])
    executer_taches()
    autre = LotListesDuJour.objects.exclude(pk=mien.pk).get()
    client.force_login(directrice)
    liste = client.get(reverse("admin:reservations_lotlistesdujour_changelist")).content.decode()
    assert f"/{mien.pk}/change/" in liste and f"/{autre.pk}/change/" not in liste
    assert client.get(
        reverse("admin:reservations_lotlistesdujour_change", args=[autre.pk])
    ).status_code in (302, 404)
    pdf = autre.pdfs.first()
    url = reverse("admin:reservations_lotlistesdujour_pdf", args=[autre.pk])
    assert client.get(url, {"fichier": pdf.pk}).status_code == 404
    # Nor through a batch of hers: a file is reached only through its own batch.
    url = reverse("admin:reservations_lotlistesdujour_pdf", args=[mien.pk])
    assert client.get(url, {"fichier": pdf.pk}).status_code == 404
    texte, _ = _texte(client, mien, mien.pdfs.first())
    assert "Léa" in texte


def test_the_files_are_for_staff_only(
    client, client_agent, parent, deux_sites, django_capture_on_commit_callbacks, executer_taches
):
    _demander(client_agent, django_capture_on_commit_callbacks, deux_sites)
    executer_taches()
    lot = LotListesDuJour.objects.get()
    url = reverse("admin:reservations_lotlistesdujour_pdf", args=[lot.pk])
    client.force_login(parent.user)
    response = client.get(url, {"fichier": lot.pdfs.first().pk})
    assert response.status_code == 302 and "/login/" in response.url


def test_a_batch_whose_worker_stopped_says_so_and_stops_reloading(client_agent, horloge, site):
    lot = LotListesDuJour.objects.create(
        premier_jour=D(2026, 12, 3),
        dernier_jour=D(2026, 12, 3),
        etat=LotListesDuJour.Etat.EN_COURS,
        listes_a_faire=3,
        listes_faites=1,
    )
    lot.sites.add(site)
    url = reverse("admin:reservations_lotlistesdujour_change", args=[lot.pk])
    page = client_agent.get(url).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in page and "interrompu" not in page
    horloge.shift(datetime.timedelta(minutes=16))  # no progress since: the worker was killed
    page = client_agent.get(url).content.decode()
    assert "interrompu (le worker s&#x27;est arrêté) : demandez un nouveau lot" in page
    assert 'http-equiv="refresh"' not in page
