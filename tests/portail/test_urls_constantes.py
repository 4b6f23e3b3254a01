"""`{% url 'nom' %}` without arguments is reversed once per process (portail/templatetags/
urls_constantes.py, a template builtin); the links stay the ones Django gives."""

from unittest import mock

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix

from portail.templatetags import urls_constantes


def _rendre(texte: str, **contexte) -> str:
    return Template(texte).render(Context(contexte))


def test_a_constant_link_is_reversed_once_and_stays_djangos():
    urls_constantes._URLS.clear()
    with mock.patch.object(urls_constantes, "reverse", wraps=reverse) as inverse:
        for _ in range(3):
            assert _rendre("{% url 'mes_inscriptions' %}") == reverse("mes_inscriptions")
    assert inverse.call_count == 1


def test_links_with_arguments_or_a_variable_name_follow_their_values():
    assert _rendre("{% url 'inscription_detail' pk %}", pk=7) == reverse(
        "inscription_detail", args=[7]
    )
    assert _rendre("{% url 'inscription_detail' pk %}", pk=8) == reverse(
        "inscription_detail", args=[8]
    )
    assert _rendre("{% url nom %}", nom="mon_compte") == reverse("mon_compte")
    assert _rendre("{% url nom %}", nom="mes_messages") == reverse("mes_messages")


def test_a_server_mounted_under_a_prefix_gets_its_own_links():
    urls_constantes._URLS.clear()
    sans_prefixe = _rendre("{% url 'mon_compte' %}")
    set_script_prefix("/famille/")
    try:
        assert _rendre("{% url 'mon_compte' %}") == "/famille" + sans_prefixe
    finally:
        clear_script_prefix()
    assert _rendre("{% url 'mon_compte' %}") == sans_prefixe


def test_an_unknown_name_fails_as_with_django_and_as_gives_empty():
    with pytest.raises(NoReverseMatch):
        _rendre("{% url 'inconnue' %}")
    assert _rendre("{% url 'inconnue' as lien %}[{{ lien }}]") == "[]"
    assert _rendre("{% url 'mon_compte' as lien %}[{{ lien }}]") == f"[{reverse('mon_compte')}]"
