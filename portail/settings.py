"""Portail Famille settings, read from environment variables with strict parsers.

Every variable is documented in README.md ("Configuration"). With DEBUG off the
application refuses to start without a real SECRET_KEY.
"""

import json
import os
import re
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on", "oui"}
_FALSE = {"0", "false", "no", "off", "non", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} doit valoir true ou false, pas {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} doit être un nombre entier, pas {raw!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# bench/pages.py sets it to expose a bare "ok" view as the yardstick (never in production).
PORTAIL_BENCH = env_bool("PORTAIL_BENCH", False)
TESTING = env_bool("PORTAIL_TESTING", False)
# `manage.py makemigrations` only reads the models: it may run without production secrets
# (CI and pre-commit checks), every other command and the server may not.
_CODE_SEUL = sys.argv[1:2] == ["makemigrations"] and Path(sys.argv[0]).name == "manage.py"

_DEV_SECRET = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING or _CODE_SEUL:
        SECRET_KEY = _DEV_SECRET
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY est obligatoire quand DEBUG est désactivé "
            "(au moins 50 caractères aléatoires)."
        )
elif not (DEBUG or TESTING) and (len(SECRET_KEY) < 50 or SECRET_KEY == _DEV_SECRET):
    raise ImproperlyConfigured("SECRET_KEY doit compter au moins 50 caractères aléatoires.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Identity of the town shown in every page header, e-mail and document.
PORTAIL_COMMUNE = os.environ.get("PORTAIL_COMMUNE", "Ville de Belleville-sur-Loire")
# Absolute address of the portal, used in e-mails and on attestations.
PORTAIL_URL = os.environ.get("PORTAIL_URL", "").rstrip("/")
if not PORTAIL_URL:
    if not (DEBUG or TESTING or _CODE_SEUL):
        raise ImproperlyConfigured(
            "PORTAIL_URL est obligatoire quand DEBUG est désactivé "
            "(adresse publique du portail, par exemple https://famille.mairie.fr)."
        )
    # Development: the address `make run HOST=… PORT=…` serves, so that the links in
    # e-mails, PDFs and payment returns follow the port chosen.
    PORTAIL_URL = (
        f"http://{os.environ.get('HOST') or '127.0.0.1'}:{os.environ.get('PORT') or '8000'}"
    )
# SEPA direct debit (comptes/services/sepa.py): the town's creditor identifier (ICS,
# given by the Banque de France), the account debits are paid into and its holder's
# name. Empty: parents cannot sign a mandate. Development and tests use a sample.
_SEPA_EXEMPLE = DEBUG or TESTING
PORTAIL_SEPA_ICS = os.environ.get("PORTAIL_SEPA_ICS", "FR12ZZZ123456" if _SEPA_EXEMPLE else "")
PORTAIL_SEPA_IBAN = os.environ.get(
    "PORTAIL_SEPA_IBAN", "FR7630001007941234567890185" if _SEPA_EXEMPLE else ""
)
PORTAIL_SEPA_BIC = os.environ.get("PORTAIL_SEPA_BIC", "BDFEFRPPCCT" if _SEPA_EXEMPLE else "")
PORTAIL_SEPA_NOM = os.environ.get("PORTAIL_SEPA_NOM", PORTAIL_COMMUNE)
# Whether parents may create their own account (otherwise staff create them).
PORTAIL_INSCRIPTION_OUVERTE = env_bool("PORTAIL_INSCRIPTION_OUVERTE", True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "bootstrap",
    "django_tasks",
    "django_tasks_db",
    "comptes",
    "familles",
    "inscriptions",
    "reservations",
    "portail",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost after security: error pages made by the middlewares below (a foreign
    # Host, an oversized body) carry the policy and the frame refusal too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who made each change, for the audit trail (django-simple-history).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After allauth's: staff reach nothing but the 2FA pages until their session is
    # authenticated with a second factor.
    "comptes.middleware.DoubleAuthentificationAgentsMiddleware",
]

ROOT_URLCONF = "portail.urls"
WSGI_APPLICATION = "portail.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portail.context_processors.portail",
            ],
            # `{% url 'nom' %}` without arguments reversed once per process.
            "builtins": ["portail.templatetags.urls_constantes"],
        },
    },
]

# Database: SQLite file under var/ unless DATABASE_URL is set.
_default_sqlite = f"sqlite:///{BASE_DIR / 'var' / 'portail.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or _default_sqlite,
        # Persistent connections: a new PostgreSQL connection per request costs more than
        # the calendar page's queries. Checked before reuse, so a restarted server is
        # survived. 0 in development (runserver opens a thread per request).
        conn_max_age=env_int("CONN_MAX_AGE", 0 if DEBUG else 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so two writers wait for
    # each other instead of failing with "database is locked" half-way.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / "test.sqlite3")}
elif env_bool("PORTAIL_PG_REQUETES_PREPAREES", True):
    # Server-side parameters: psycopg prepares a statement run 5 times on a connection
    # and PostgreSQL keeps its plan. The calendar's read joins 11 tables: 3 ms to plan,
    # 0.4 ms to run (docs/performance.md). Off behind a pooler in transaction mode.
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "comptes.User"

# Django's and allauth's, reading the parent's household with the user (comptes/backends.py).
AUTHENTICATION_BACKENDS = [
    "comptes.backends.ModelBackend",
    "comptes.backends.AllauthBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Invitation links and password-reset links stay valid for 3 days (the invitation
# e-mail, README and docs/guide-agents.md say so; tests/comptes/test_invitation.py checks).
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (proofs, documents): the local disk by default; with several servers,
# an S3-compatible bucket every server sees (STOCKAGE=s3, django-storages, `pip install
# '.[s3]'`). The bucket stays private: files are served through the portal's own checks.
_stockage = os.environ.get("STOCKAGE", "local")
if _stockage == "local":
    _stockage_defaut = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif _stockage == "s3":
    _stockage_defaut = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("S3_BUCKET", ""),
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID", ""),
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY", ""),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
    if not _stockage_defaut["OPTIONS"]["bucket_name"]:
        raise ImproperlyConfigured("STOCKAGE=s3 demande S3_BUCKET (nom du compartiment).")
else:
    raise ImproperlyConfigured(f"STOCKAGE doit valoir local ou s3, pas {_stockage!r}.")
STORAGES = {
    "default": _stockage_defaut,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# In development and tests files come from the finders; no collectstatic needed.
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
MEDIA_URL = "/media/"
# Uploads (comptes/fichiers.py): each file streams to a temporary file and is cut off
# past its view's limit (5 Mo for proofs of income), else past this one; the proxy's
# body limit sits just above (docs/exploitation.md). Form fields other than files stay
# under Django's 2.5 Mo.
FILE_UPLOAD_HANDLERS = ["comptes.fichiers.DepotPlafonne"]
PORTAIL_TAILLE_MAX_DEPOT = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "tableau_de_bord"

# --- django-allauth -------------------------------------------------------
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = False
# The e-mail is the login and the town's record: only staff change it.
ACCOUNT_MAX_EMAIL_ADDRESSES = 1
# A parent who signs up with an address already known must be told so plainly
# (see docs/exploitation.md: login attempts stay rate limited). allauth has one switch
# for both pages, so the password reset form is replaced to answer the same for known
# and unknown addresses (comptes.connexion.MotDePasseOublieForm).
ACCOUNT_PREVENT_ENUMERATION = False
# A reset asked for an address nobody uses sends nothing: the portal must not be a way to
# mail strangers (the page says "si un compte existe…" for every address).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_SIGNUP_FORM_CLASS = None
ACCOUNT_FORMS = {
    "signup": "familles.forms.SignupForm",
    "reset_password": "comptes.connexion.MotDePasseOublieForm",
}
ACCOUNT_ADAPTER = "comptes.adapter.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    # Per client address the limits are generous: a town hall, a school or a company
    # puts hundreds of parents behind one address. Per account they stay strict.
    "login": "120/m/ip",
    "login_failed": "100/10m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    # Public attestation check: guessing codes is slowed down.
    "verifier_attestation": "20/m/ip",
}
# Behind a reverse proxy, how many proxies add themselves to X-Forwarded-For (rate
# limits key on the client's address, not the proxy's). Unset in production, every
# parent would share the proxy's address: `check --deploy` warns (portail.W001).
TRUSTED_PROXY_COUNT_DEFINI = os.environ.get("TRUSTED_PROXY_COUNT", "").strip() != ""
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{PORTAIL_COMMUNE}] "
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_SESSION_REMEMBER = None

# Two-factor sign-in (allauth.mfa): authenticator app (TOTP) and recovery codes;
# mandatory for staff (comptes.middleware), optional for parents.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = f"Portail Famille — {PORTAIL_COMMUNE}"
MFA_ADAPTER = "comptes.adapter.MFAAdapter"

# Rate limits and the verification page counters live in the cache: with several
# processes, use a shared one (CACHE=database, then `manage.py createcachetable`), the
# production setting. A per-process cache would multiply every limit by the number of
# processes: refused when gunicorn is told to start several (WEB_CONCURRENCY), and
# `check --deploy` warns about it otherwise (portail.W002).
_cache = os.environ.get("CACHE", "local")
if _cache == "database":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portail_cache",
        }
    }
elif _cache != "local":
    raise ImproperlyConfigured(f"CACHE doit valoir local ou database, pas {_cache!r}.")
elif env_int("WEB_CONCURRENCY", 1) > 1 and not DEBUG:
    raise ImproperlyConfigured(
        "Plusieurs processus (WEB_CONCURRENCY) avec un cache local : chacun compterait ses "
        "propres tentatives de connexion. Indiquez CACHE=database (puis "
        "`manage.py createcachetable`)."
    )
CACHE_PARTAGE = _cache == "database"

# How long personal data is kept, in months (RGPD): one table, shown to parents on
# "Données personnelles" and "Mes données", applied each night by `manage.py
# purger_donnees`. Each one can be set with CONSERVATION_<KEY>_MOIS.
PORTAIL_CONSERVATION = {
    cle: env_int(f"CONSERVATION_{cle.upper()}_MOIS", defaut)
    for cle, defaut in {
        # A household with no enrolment, sign-in or invoice for that long is anonymised.
        "famille": 36,
        # Health information of a child whose last enrolment ended that long ago.
        "sante": 12,
        # Proofs of income after their upload (the amounts stay with the invoices).
        "revenus": 36,
        # Invoices, credit notes, payments: public accounting records.
        "factures": 120,
        # Connection and security logs (kept by the operator's log rotation).
        "journaux": 12,
        # E-mails sent (their text names children and amounts).
        "courriels": 12,
        # Threads with the service (Mes messages), after their last message.
        "messages": 24,
        # Who changed what (audit trail).
        "historique": 60,
        # Documents (pièces justificatives) after they expire or are refused.
        "documents": 12,
    }.items()
}

# Audit trail: staff read it on each admin page's "Historique"; restoring an old version
# from there would bypass the services' rules, so it is off.
SIMPLE_HISTORY_REVERT_DISABLED = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- e-mail -----------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# Only the background worker talks to SMTP; a stalled server must still free it soon.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
if not 1 <= EMAIL_TIMEOUT <= 120:
    raise ImproperlyConfigured("EMAIL_TIMEOUT doit être compris entre 1 et 120 secondes.")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "portail-famille@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- background tasks (django-tasks) -------------------------------------------------
# The queue lives in the same database; `manage.py db_worker` runs the tasks (`make run`
# starts one beside the demo server). No request sends e-mail itself. On Django 6 this
# becomes django.tasks with the same backend.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# /sante/?worker=1 fails when no worker (`manage.py worker`) was seen for this long.
PORTAIL_SANTE_WORKER_MINUTES = env_int("PORTAIL_SANTE_WORKER_MINUTES", 5)

# --- online payment (eopayment) ------------------------------------------------
# Backend name and its options as JSON, per town. A payment is recorded only from an
# answer the bank vouches for (comptes/services/paiement_en_ligne.py): payfip_ws asks
# PayFiP's web service; "dummy" believes the browser, so only with the demo's test bank.
PAIEMENT_EN_LIGNE_BACKEND = os.environ.get("PAIEMENT_EN_LIGNE_BACKEND", "dummy")
try:
    PAIEMENT_EN_LIGNE_OPTIONS = json.loads(os.environ.get("PAIEMENT_EN_LIGNE_OPTIONS", "{}"))
except json.JSONDecodeError:
    PAIEMENT_EN_LIGNE_OPTIONS = None
if not isinstance(PAIEMENT_EN_LIGNE_OPTIONS, dict):
    raise ImproperlyConfigured("PAIEMENT_EN_LIGNE_OPTIONS doit être un objet JSON.")
# The demo's test bank page (simulates the bank locally) and test-mode payments
# accepted; never in production (`check --deploy` warns).
PAIEMENT_BANQUE_DE_TEST = env_bool("PAIEMENT_BANQUE_DE_TEST", DEBUG or TESTING)
PAIEMENT_EN_LIGNE_ACTIF = env_bool(
    "PAIEMENT_EN_LIGNE_ACTIF", PAIEMENT_EN_LIGNE_BACKEND != "dummy" or PAIEMENT_BANQUE_DE_TEST
)
if PAIEMENT_EN_LIGNE_ACTIF:
    if PAIEMENT_EN_LIGNE_BACKEND == "dummy":
        if not PAIEMENT_BANQUE_DE_TEST:
            raise ImproperlyConfigured(
                "Le module de paiement « dummy » croit ce que renvoie le navigateur : "
                "il ne sert qu'à la démonstration, avec PAIEMENT_BANQUE_DE_TEST=1."
            )
    elif PAIEMENT_EN_LIGNE_BACKEND != "payfip_ws":
        raise ImproperlyConfigured(
            f"Le module de paiement « {PAIEMENT_EN_LIGNE_BACKEND} » n'est pas pris en charge : "
            "la banque n'y confirme pas elle-même le résultat et le montant, une réponse "
            "falsifiée passerait pour un paiement. Utilisez payfip_ws, ou désactivez le "
            "paiement en ligne (PAIEMENT_EN_LIGNE_ACTIF=0)."
        )
    elif not re.fullmatch(r"[0-9]{6}", str(PAIEMENT_EN_LIGNE_OPTIONS.get("numcli", ""))):
        raise ImproperlyConfigured(
            "PayFiP : PAIEMENT_EN_LIGNE_OPTIONS doit donner le numéro client "
            '("numcli", 6 chiffres).'
        )
    elif PAIEMENT_EN_LIGNE_OPTIONS.get("saisie") not in ("W", "X") and not PAIEMENT_BANQUE_DE_TEST:
        raise ImproperlyConfigured(
            'PayFiP : indiquez "saisie": "W" (production) ou "X" (activation) dans '
            "PAIEMENT_EN_LIGNE_OPTIONS ; le mode test (T, le défaut d'eopayment) "
            "n'encaisse rien et n'est accepté qu'avec PAIEMENT_BANQUE_DE_TEST=1."
        )

# Where "Payer en ligne" sends the parent: browsers apply the page's CSP form-action to the
# redirect that follows the form, so the bank's origin must be allowed there.
PAIEMENT_EN_LIGNE_ORIGINES = env_list(
    "PAIEMENT_EN_LIGNE_ORIGINES",
    ["https://www.payfip.gouv.fr"] if PAIEMENT_EN_LIGNE_BACKEND == "payfip_ws" else [],
)

# --- security -----------------------------------------------------------------
# A refused CSRF check gets a French page in the site's layout (portail/views.py).
CSRF_FAILURE_VIEW = "portail.views.erreur_csrf"
# Database sessions, read with one plain statement (comptes/sessions.py).
SESSION_ENGINE = "comptes.sessions"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts, styles and images come from this site
# only, never inline (templates use static/css and static/js).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'", *PAIEMENT_EN_LIGNE_ORIGINES],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # The load balancer probes each server directly, over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^sante/$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
if TESTING:
    SECURE_SSL_REDIRECT = False


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
