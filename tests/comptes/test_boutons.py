"""Every submit button says what it does (issue 12): « Créer mon compte », not « Valider »."""

import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse

# Labels that say nothing of what the click does. The calendar's sticky « Valider (2
# changements) » stays: the issue asks for it, and the count says what is validated.
VAGUES = {"valider", "ok", "envoyer", "enregistrer", "continuer", "confirmer", "soumettre"}
PERMIS = {("reservations/calendrier.html", "valider")}
BOUTON = re.compile(
    r"<button[^>]*type=\"submit\"[^>]*>(.*?)</button>|<input[^>]*type=\"submit\"[^>]*value=\"([^\"]*)\"",
    re.S,
)


def _libelle(html: str) -> str:
    texte = re.sub(r"<span[^>]*visually-hidden[^>]*>.*?</span>|<[^>]+>|\{[{%].*?[%}]\}", "", html)
    return " ".join(texte.split()).lower()


def test_no_template_has_a_submit_button_that_only_says_valider_or_ok():
    racine = Path(settings.BASE_DIR) / "templates"
    vagues = []
    for fichier in racine.rglob("*.html"):
        nom = fichier.relative_to(racine).as_posix()
        for bouton in BOUTON.finditer(fichier.read_text()):
            libelle = _libelle(bouton.group(1) or bouton.group(2))
            if libelle in VAGUES and (nom, libelle) not in PERMIS:
                vagues.append((nom, libelle))
    assert vagues == []


def test_the_sign_in_and_sign_up_buttons_say_what_they_do(client):
    connexion = client.get(reverse("account_login")).content.decode()
    inscription = client.get(reverse("account_signup")).content.decode()
    assert re.search(r"<button[^>]*type=\"submit\"[^>]*>\s*Se connecter\s*</button>", connexion)
    assert re.search(
        r"<button[^>]*type=\"submit\"[^>]*>\s*Créer mon compte\s*</button>", inscription
    )
