from django.contrib.auth import authenticate
from django.core.management import call_command

from assessment.demo import DEMO_LOGINS
from assessment.models import Assessment, Membership, Organization, Role
from assessment.selectors import assessment_scope, user_is_consultant


def test_seed_demo_is_idempotent_and_logins_work(catalog, capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    assert Organization.objects.filter(name="Demo Bank").count() == 1
    assert Assessment.objects.count() == 1
    out = capsys.readouterr().out
    for login in DEMO_LOGINS:
        assert f"{login.username} / {login.password}" in out
        assert authenticate(username=login.username, password=login.password) is not None

    consultant = authenticate(username="consultant", password="consultant-demo-2026")
    executive = authenticate(username="executive", password="executive-demo-2026")
    assert user_is_consultant(user=consultant)
    assert not user_is_consultant(user=executive)
    assert Membership.objects.get(user=executive).role == Role.EXECUTIVE
    assert assessment_scope(user=consultant).count() == 1
