"""Seed the load run's database: the demo bank, whose re-assessment collects answers, plus a pool of
invited respondents. Prints JSON with what the load client needs (plain tokens exist only here)."""

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.load_settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402

from assessment.demo import DEMO_LOGINS, demo_seed  # noqa: E402
from assessment.services import api_token_create  # noqa: E402
from reports.demo import demo_narrative_write  # noqa: E402
from surveys.selectors import indicator_ids  # noqa: E402
from surveys.services import catalog_load, invitation_create_many  # noqa: E402


def main(respondents: int) -> None:
    catalog_load()
    assessment = demo_seed(before_publish=demo_narrative_write)
    invited = invitation_create_many(
        assessment=assessment,
        rows=[{"email": f"load-{n:05d}@bank.example", "role": "frontline"} for n in range(respondents)],
    )
    consultant = get_user_model().objects.get(username=DEMO_LOGINS[1].username)
    print(
        json.dumps(
            {
                "assessment": assessment.pk,
                "invitations": {new.token: new.invitation.pk for new in invited},
                "indicators": sorted(indicator_ids(version_id=assessment.catalog_version_id)),
                "consultant_token": api_token_create(user=consultant),
            }
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]))
