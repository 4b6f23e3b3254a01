"""The settings refuse to run unsafely (checked in a fresh interpreter each time)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 20 + "-une-vraie-cle-aleatoire-de-production-9f8e7d6c5b4a",
    "ALLOWED_HOSTS": "portail.mairie.example",
    "DATABASE_URL": "sqlite:////tmp/portail-check.sqlite3",
    "PORTAIL_URL": "https://famille.mairie.example",
    "TRUSTED_PROXY_COUNT": "1",
    "CACHE": "database",  # the documented production setting (shared rate limits)
}


def _manage(*args, **env):
    base = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "PORTAIL_TESTING",
            "DJANGO_SETTINGS_MODULE",
            "SECRET_KEY",
            "DEBUG",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "PORTAIL_URL",
            "CACHE",
            "TRUSTED_PROXY_COUNT",
            "WEB_CONCURRENCY",
            "STOCKAGE",
            "HOST",
            "PORT",
        )
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = _manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY est obligatoire" in result.stderr


def test_it_refuses_a_short_secret_key():
    result = _manage("check", **{**PRODUCTION, "SECRET_KEY": "trop-courte"})
    assert result.returncode != 0
    assert "au moins 50 caractères" in result.stderr


def test_it_requires_the_public_address_in_production():
    env = {k: v for k, v in PRODUCTION.items() if k != "PORTAIL_URL"}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "PORTAIL_URL est obligatoire" in result.stderr


def test_it_rejects_a_malformed_boolean():
    result = _manage("check", DEBUG="peut-être")
    assert result.returncode != 0
    assert "DEBUG doit valoir true ou false" in result.stderr


def test_check_deploy_reports_nothing_with_production_variables():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_the_number_of_proxies_is_not_set():
    env = {k: v for k, v in PRODUCTION.items() if k != "TRUSTED_PROXY_COUNT"}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode != 0
    assert "portail.W001" in result.stderr
    assert "TRUSTED_PROXY_COUNT n'est pas défini" in result.stderr


def test_no_proxy_at_all_is_said_with_zero():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION, "TRUSTED_PROXY_COUNT": "0"}
    )
    assert result.returncode == 0, result.stderr


def test_the_migrations_check_needs_no_production_secret():
    result = _manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_the_smtp_timeout_stays_bounded():
    # A stalled server must free the worker soon; 0 would make every connection fail.
    for valeur in ("0", "3600"):
        result = _manage("check", **{**PRODUCTION, "EMAIL_TIMEOUT": valeur})
        assert result.returncode != 0
        assert "EMAIL_TIMEOUT doit être compris entre 1 et 120" in result.stderr


def test_the_bank_may_receive_the_payment_form_under_the_csp():
    """Browsers check the redirect after "Payer en ligne" against form-action."""
    code = (
        "from django.conf import settings as s; "
        "print(' '.join(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action']))"
    )
    payfip = _manage(
        "shell",
        "-c",
        code,
        **PRODUCTION,
        PAIEMENT_EN_LIGNE_BACKEND="payfip_ws",
        PAIEMENT_EN_LIGNE_OPTIONS='{"numcli": "123456", "saisie": "W"}',
    )
    assert payfip.stdout.splitlines()[-1] == "'self' https://www.payfip.gouv.fr", payfip.stderr
    autre = _manage(
        "shell",
        "-c",
        code,
        **PRODUCTION,
        PAIEMENT_EN_LIGNE_ORIGINES="https://paiement.banque.example",
    )
    assert autre.stdout.splitlines()[-1] == "'self' https://paiement.banque.example", autre.stderr


def test_production_keeps_database_connections_and_checks_them_before_reuse():
    code = (
        "from django.db import connection as c; "
        "print(c.settings_dict['CONN_MAX_AGE'], c.settings_dict['CONN_HEALTH_CHECKS'])"
    )
    result = _manage("shell", "-c", code, **PRODUCTION)
    assert result.stdout.split()[-2:] == ["60", "True"], result.stderr


def test_the_bench_yardstick_is_not_served_without_portail_bench(client, db):
    assert client.get("/bench/ok/").status_code == 404


def test_make_run_port_moves_the_links_of_emails_pdfs_and_payment_returns():
    """`make run PORT=8001` exports HOST and PORT: without PORTAIL_URL, the links follow."""
    code = "from django.conf import settings as s; print(s.PORTAIL_URL)"
    base = {"DATABASE_URL": "sqlite:////tmp/portail-check.sqlite3", "DEBUG": "1"}
    moved = _manage("shell", "-c", code, **base, PORT="8001", HOST="localhost")
    assert moved.stdout.splitlines()[-1] == "http://localhost:8001", moved.stderr
    default = _manage("shell", "-c", code, **base)
    assert default.stdout.splitlines()[-1] == "http://127.0.0.1:8000", default.stderr
    explicit = _manage("shell", "-c", code, **base, PORT="8001", PORTAIL_URL="https://x.example")
    assert explicit.stdout.splitlines()[-1] == "https://x.example", explicit.stderr


def test_the_readme_links_no_file_outside_the_repository():
    readme = (ROOT / "README.md").read_text()
    assert "../" not in readme


def _options_base(**env) -> str:
    code = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])"
    return _manage("shell", "-c", code, **{**PRODUCTION, **env}).stdout


def test_postgresql_prepares_repeated_queries_unless_told_not_to():
    # The calendar's 11-table read is planned once per connection (docs/performance.md).
    pg = {"DATABASE_URL": "postgres://portail@db.example:5432/portail"}
    assert "'server_side_binding': True, 'prepare_threshold': 5" in _options_base(**pg)
    hors = _options_base(**pg, PORTAIL_PG_REQUETES_PREPAREES="0")
    assert "server_side_binding" not in hors
    assert "server_side_binding" not in _options_base()  # SQLite
