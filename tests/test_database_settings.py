"""The database settings for a deployment behind PgBouncer (the topology test runs one)."""

import functools
import subprocess
import sys

from django.conf import settings as django_settings


def test_behind_pgbouncer_neither_server_side_cursors_nor_prepared_statements():
    code = (
        "import config.settings as s; d = s.DATABASES['default']; o = d.get('OPTIONS', {});"
        "print(d.get('DISABLE_SERVER_SIDE_CURSORS'), o.get('prepare_threshold', 'default'))"
    )
    environment = {"PATH": "", "DEBUG": "true", "DATABASE_URL": "postgres://cx@db:6432/cx"}
    run = functools.partial(
        subprocess.run,  # our own interpreter and code
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert run([sys.executable, "-c", code], env=environment).stdout.split() == ["False", "default"]
    behind = {**environment, "DB_BEHIND_PGBOUNCER": "true"}
    assert run([sys.executable, "-c", code], env=behind).stdout.split() == ["True", "None"]
