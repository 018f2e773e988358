"""The project's settings for the load run, with the bare view that is its floor mounted."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.load_urls"
