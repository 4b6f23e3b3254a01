"""Several servers share everything: sessions in the database, rate limits in a shared
cache, uploads on a storage every server sees (bench/multi_serveurs.py runs two)."""

from django.conf import settings

from tests.test_settings import PRODUCTION, _manage


def test_sessions_live_in_the_database(client, parent):
    from importlib import import_module

    from django.contrib.sessions.backends.db import SessionStore as StoreDjango
    from django.contrib.sessions.models import Session

    store = import_module(settings.SESSION_ENGINE).SessionStore
    assert issubclass(store, StoreDjango)
    client.force_login(parent.user)
    cle = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert Session.objects.filter(session_key=cle).exists()
    # Read back by another store (another server), and refused once expired.
    assert store(cle).load()["_auth_user_id"] == str(parent.user.pk)
    Session.objects.filter(session_key=cle).update(expire_date="2000-01-01T00:00:00Z")
    autre = store(cle)
    assert autre.load() == {}
    assert autre.session_key is None


def test_a_per_process_cache_is_refused_when_gunicorn_starts_several_workers():
    env = {**PRODUCTION, "CACHE": "local", "WEB_CONCURRENCY": "4"}
    resultat = _manage("check", **env)
    assert resultat.returncode != 0
    assert "Indiquez CACHE=database" in resultat.stderr
    assert _manage("check", **{**env, "CACHE": "database"}).returncode == 0


def test_check_deploy_warns_about_a_per_process_cache():
    resultat = _manage(
        "check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION, "CACHE": "local"}
    )
    assert resultat.returncode != 0
    assert "portail.W002" in resultat.stderr


def test_uploads_go_to_an_s3_bucket_when_asked():
    code = (
        "from django.conf import settings; d = settings.STORAGES['default']; "
        "print(d['BACKEND'], d['OPTIONS']['bucket_name'], d['OPTIONS']['default_acl'])"
    )
    env = {**PRODUCTION, "STOCKAGE": "s3", "S3_BUCKET": "portail-famille"}
    resultat = _manage("shell", "-v", "0", "-c", code, **env)
    assert resultat.stdout.split() == [
        "storages.backends.s3.S3Storage",
        "portail-famille",
        "private",
    ]
    sans_compartiment = _manage("check", **{**PRODUCTION, "STOCKAGE": "s3"})
    assert "STOCKAGE=s3 demande S3_BUCKET" in sans_compartiment.stderr
    inconnu = _manage("check", **{**PRODUCTION, "STOCKAGE": "ftp"})
    assert "STOCKAGE doit valoir local ou s3" in inconnu.stderr
