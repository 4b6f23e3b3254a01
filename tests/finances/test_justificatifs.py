"""Proofs of income: typed from their content, stored under a random name, refused when
too big before being written, served only to their household and staff."""

import io
import re
import secrets

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.models.sql.compiler import SQLInsertCompiler
from django.urls import reverse

from comptes.models import Revenu
from comptes.services import finances
from portail.models import Demande
from tests.conftest import creer_user

URL = reverse("declarer_revenus")
# A PDF by its first bytes that is also an HTML page with a script.
POLYGLOTTE = b"%PDF-1.7\n<html><script>alert(document.cookie)</script></html>"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path
    return settings.MEDIA_ROOT


def fichiers_sur_disque(media) -> list[str]:
    return [str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()]


def declarer(client, nom: str, contenu: bytes):
    return client.post(
        URL,
        {
            "annee": "2025",
            "montant_annuel": "31 200",
            "justificatif": SimpleUploadedFile(nom, contenu),
            "jeton": secrets.token_urlsafe(24),
        },
    )


@pytest.mark.parametrize("nom", ["avis.exe", "avis.html", "avis.pdf"])
def test_it_stores_the_proof_under_a_random_name_with_the_detected_extension(
    client_parent, media, nom
):
    response = declarer(client_parent, nom, POLYGLOTTE)
    assert response.status_code == 302
    stocke = Revenu.objects.get().justificatif.name
    assert re.fullmatch(r"justificatifs/2026/[A-Za-z0-9_-]{22}\.pdf", stocke)
    assert fichiers_sur_disque(media) == [stocke]
    assert (media / stocke).read_bytes() == POLYGLOTTE


def test_two_proofs_never_share_a_name(client_parent, media):
    declarer(client_parent, "avis.pdf", POLYGLOTTE)
    declarer(client_parent, "avis.pdf", b"%PDF-1.4 autre")
    assert len(set(Revenu.objects.values_list("justificatif", flat=True))) == 2
    assert len(fichiers_sur_disque(media)) == 2


@pytest.mark.parametrize(
    ("nom", "contenu", "message"),
    [
        ("avis.gif", b"GIF89a\x01\x00\x01\x00", "doit être un PDF, une image JPEG ou PNG"),
        ("avis.pdf", b"<html><script>alert(1)</script>", "doit être un PDF, une image JPEG"),
        ("avis.pdf", b"MZ\x90\x00\x03 un executable", "doit être un PDF, une image JPEG"),
        ("avis.pdf", b"", "Le fichier soumis est vide"),
        ("avis.pdf", b"%PDF-" + b"x" * (5 * 1024 * 1024), "dépasse 5 Mo"),
    ],
)
def test_bad_proofs_get_a_message_next_to_the_field_and_write_nothing(
    client_parent, media, nom, contenu, message
):
    response = declarer(client_parent, nom, contenu)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'id="error_1_id_justificatif"' in html  # crispy's error under the field
    assert not Revenu.objects.exists() and not Demande.objects.exists()
    assert fichiers_sur_disque(media) == []


def test_a_failed_insert_leaves_no_orphan_file(parent, media, monkeypatch):
    as_sql = SQLInsertCompiler.as_sql

    def insert_refuse(self, *args, **kwargs):
        sql = as_sql(self, *args, **kwargs)  # the file field is prepared (written) here
        if self.query.model is Revenu:
            raise IntegrityError("insertion refusée")
        return sql

    monkeypatch.setattr(SQLInsertCompiler, "as_sql", insert_refuse)
    with pytest.raises(IntegrityError):
        finances.declarer_revenus(parent, 2025, "30000", SimpleUploadedFile("a.pdf", POLYGLOTTE))
    assert fichiers_sur_disque(media) == []
    assert not Demande.objects.exists()


def test_a_rolled_back_caller_keeps_no_file(parent, media):
    """The declaration runs inside the caller's transaction (one-time form token): if that
    one rolls back after the file was written, the file goes too."""
    with pytest.raises(RuntimeError), transaction.atomic():
        finances.declarer_revenus(parent, 2025, "30000", SimpleUploadedFile("a.pdf", POLYGLOTTE))
        assert len(fichiers_sur_disque(media)) == 1
        raise RuntimeError("plus loin, autre chose échoue")
    assert fichiers_sur_disque(media) == []
    assert not Revenu.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_files_follow_real_commits_and_rollbacks(parent, media):
    finances.declarer_revenus(parent, 2025, "30000", SimpleUploadedFile("a.pdf", POLYGLOTTE))
    garde = fichiers_sur_disque(media)
    assert garde == [Revenu.objects.get().justificatif.name]
    with pytest.raises(RuntimeError), transaction.atomic():
        finances.declarer_revenus(parent, 2024, "1", SimpleUploadedFile("b.pdf", POLYGLOTTE))
        raise RuntimeError("la transaction est annulée")
    assert fichiers_sur_disque(media) == garde


@pytest.fixture
def revenu(parent):
    return finances.declarer_revenus(
        parent, 2025, "30000", SimpleUploadedFile("avis.html", POLYGLOTTE)
    )


def test_the_household_downloads_its_proof_as_a_sandboxed_attachment(client_parent, revenu):
    url = reverse("justificatif_revenus", args=[revenu.pk])
    assert url in client_parent.get(reverse("mon_compte")).content.decode()
    response = client_parent.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="justificatif-revenus-2025.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == POLYGLOTTE


def test_it_checks_ownership(client, coparent, etranger, revenu):
    url = reverse("justificatif_revenus", args=[revenu.pk])
    client.force_login(coparent.user)
    assert client.get(url).status_code == 200
    client.force_login(etranger.user)
    assert client.get(url).status_code == 404
    assert client.get(reverse("justificatif_revenus", args=[revenu.pk + 1])).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_staff_who_may_see_incomes_get_it_and_no_other_staff(client, client_agent, revenu):
    url = reverse("justificatif_revenus", args=[revenu.pk])
    response = client_agent.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    client.force_login(creer_user("stagiaire@example.org", is_staff=True))
    assert client.get(url).status_code == 404


def test_the_admin_links_to_the_same_download(client_agent, revenu):
    html = client_agent.get(reverse("admin:comptes_revenu_changelist")).content.decode()
    assert reverse("justificatif_revenus", args=[revenu.pk]) in html


@pytest.mark.parametrize(
    ("contenu", "type_", "nom"),
    [
        (POLYGLOTTE, "application/pdf", "justificatif-revenus-2024.pdf"),
        (
            b"<html>stored before types were checked",
            "application/octet-stream",
            "justificatif-revenus-2024.bin",
        ),
    ],
)
def test_proofs_stored_under_their_original_name_keep_working(
    client_parent, parent, contenu, type_, nom
):
    ancien = Revenu(famille=parent.famille, annee=2024, montant_annuel=30000)
    ancien.justificatif.save("avis.exe", ContentFile(contenu), save=True)
    response = client_parent.get(reverse("justificatif_revenus", args=[ancien.pk]))
    assert response["Content-Type"] == type_
    assert response["Content-Disposition"] == f'attachment; filename="{nom}"'


def test_old_proofs_are_renamed_once_by_a_command(
    parent, media, django_capture_on_commit_callbacks
):
    ancien = Revenu(famille=parent.famille, annee=2024, montant_annuel=30000)
    ancien.justificatif.save("avis.exe", ContentFile(POLYGLOTTE), save=True)
    inconnu = Revenu(famille=parent.famille, annee=2023, montant_annuel=30000)
    inconnu.justificatif.save("avis.html", ContentFile(b"<html>"), save=True)
    sortie = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("renommer_justificatifs", stdout=sortie)
    ancien.refresh_from_db()
    assert re.fullmatch(r"justificatifs/2026/[A-Za-z0-9_-]{22}\.pdf", ancien.justificatif.name)
    assert (media / ancien.justificatif.name).read_bytes() == POLYGLOTTE
    assert sorted(fichiers_sur_disque(media)) == sorted(
        [ancien.justificatif.name, "justificatifs/2026/avis.html"]
    )
    assert "1 justificatif renommé." in sortie.getvalue()
    assert f"revenus n° {inconnu.pk}" in sortie.getvalue()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("renommer_justificatifs", stdout=io.StringIO())
    assert Revenu.objects.get(pk=ancien.pk).justificatif.name == ancien.justificatif.name
