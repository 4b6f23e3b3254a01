"""Test settings: the production settings with test switches turned on by environment."""

import os

os.environ.setdefault("PORTAIL_TESTING", "1")

from portail.settings import *  # noqa: E402,F403

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405
