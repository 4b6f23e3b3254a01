"""The upload module shared by proofs, documents and messages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import ResolverMatch

from comptes import fichiers

MIO = 1024 * 1024


@pytest.mark.parametrize(
    ("contenu", "extension"),
    [
        (b"%PDF-1.7\n<html><script>alert(1)</script>", "pdf"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "png"),
    ],
)
def test_the_type_comes_from_the_content_not_the_name(contenu, extension):
    fichier = SimpleUploadedFile("avis.exe", contenu)
    assert fichiers.verifier(fichier, MIO, "piece").extension == extension
    assert fichier.read() == contenu  # left at its start for storage


@pytest.mark.parametrize(
    ("contenu", "message"),
    [
        (b"GIF89a\x01\x00", "Le document doit être un PDF, une image JPEG ou PNG."),
        (b"<!DOCTYPE html><title>%PDF-</title>", "Le document doit être un PDF"),
        (b"MZ\x90\x00", "Le document doit être un PDF"),
        (b"", "Le document est vide"),
        (b"%PDF-" + b"x" * MIO, "Le document dépasse 1 Mo"),
    ],
)
def test_other_contents_are_refused_in_french(contenu, message):
    with pytest.raises(fichiers.FichierError, match=message) as erreur:
        fichiers.verifier(SimpleUploadedFile("a.pdf", contenu), MIO, "piece", "Le document")
    assert erreur.value.field == "piece"


def _depot(rf, settings, vue=None):
    requete = rf.post("/")
    if vue is not None:
        requete.resolver_match = ResolverMatch(vue, (), {})
    depot = fichiers.DepotPlafonne(requete)
    depot.new_file("piece", "avis.pdf", "application/pdf", 0)
    return depot


def test_the_upload_handler_stops_writing_past_the_limit(rf, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path
    settings.PORTAIL_TAILLE_MAX_DEPOT = 10
    depot = _depot(rf, settings)
    depot.receive_data_chunk(b"%PDF-1234", 0)
    assert len(list(tmp_path.iterdir())) == 1  # being received
    depot.receive_data_chunk(b"56", 9)  # 11 bytes: one too many
    assert list(tmp_path.iterdir()) == []  # nothing kept of it
    assert depot.receive_data_chunk(b"7" * 100, 11) is None  # the rest is dropped
    recu = depot.file_complete(111)
    with pytest.raises(fichiers.FichierError, match="dépasse"):
        fichiers.verifier(recu, 5 * MIO, "piece")  # even under the form's own limit
    assert list(tmp_path.iterdir()) == []


def test_a_file_within_the_limit_goes_through(rf, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path
    settings.PORTAIL_TAILLE_MAX_DEPOT = 10
    depot = _depot(rf, settings)
    depot.receive_data_chunk(b"%PDF-12345", 0)
    assert depot.file_complete(10).read() == b"%PDF-12345"


def test_a_view_sets_its_own_limit(rf, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path

    @fichiers.limite_depot(4)
    def vue(request):
        raise AssertionError

    depot = _depot(rf, settings, vue)
    depot.receive_data_chunk(b"%PDF-", 0)
    assert getattr(depot.file_complete(5), "trop_volumineux", False)
