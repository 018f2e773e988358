"""The settings the test suite runs with (pyproject.toml): the development ones, as DEBUG now
defaults to off and would refuse to start without a SECRET_KEY. An environment that sets DEBUG
itself (CI's, a developer's) still decides; the tests of the production defaults read
config.settings afresh in a subprocess with an environment of their own."""

import os

os.environ.setdefault("DEBUG", "true")

from config.settings import *  # noqa: F403
