"""Test settings: the production settings with test switches turned on by environment."""

import os

os.environ.setdefault("PORTAIL_TESTING", "1")

from portail.settings import *  # noqa: E402,F403

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405

# Several test runs side by side (one per working copy or helper) each need their own
# SQLite file: PORTAIL_TEST_SQLITE=var/test-<name>.sqlite3.
if os.environ.get("PORTAIL_TEST_SQLITE") and DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": os.environ["PORTAIL_TEST_SQLITE"]}  # noqa: F405
