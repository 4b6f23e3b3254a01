"""A parent signs a direct-debit mandate on a 360 px phone, then revokes it."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from comptes.models import MandatSepa
from tests.conftest import MOT_DE_PASSE
from tests.e2e.conftest import se_connecter

pytestmark = pytest.mark.django_db(transaction=True)


def _graves(page) -> list[str]:
    resultats = Axe().run(page)
    return [
        v["id"] for v in resultats.response["violations"] if v["impact"] in {"serious", "critical"}
    ]


def test_a_parent_signs_and_revokes_a_mandate_on_a_phone(telephone, live_server, parent):
    se_connecter(telephone, live_server, "parent@example.org", MOT_DE_PASSE)
    telephone.goto(live_server.url + "/compte/")
    telephone.get_by_role("link", name="Prélèvement automatique").click()
    telephone.get_by_label("Titulaire du compte").fill("Camille Martin")
    telephone.get_by_label("IBAN").fill("FR76 3000 1007 9412 3456 7890 186")  # a wrong digit
    telephone.get_by_label("J'autorise le prélèvement").check()
    telephone.get_by_role("button", name="Signer le mandat").click()
    telephone.wait_for_selector("#resume-erreurs")
    assert "IBAN n'est pas valide" in telephone.content().replace("&#x27;", "'")
    assert _graves(telephone) == []
    assert not MandatSepa.objects.exists()
    telephone.get_by_label("IBAN").fill("FR76 3000 1007 9412 3456 7890 185")
    telephone.get_by_label("J'autorise le prélèvement").check()
    telephone.get_by_role("button", name="Signer le mandat").click()
    telephone.get_by_role("heading", name="Votre mandat de prélèvement SEPA").wait_for()
    assert not telephone.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert _graves(telephone) == []
    mandat = MandatSepa.objects.get()
    assert mandat.bic == "BDFEFRPP" and mandat.rum in telephone.content()
    telephone.get_by_role("button", name="Révoquer ce mandat").click()
    telephone.get_by_role("button", name="Signer le mandat").wait_for()
    mandat.refresh_from_db()
    assert not mandat.actif
