import pytest
from django.core.exceptions import ImproperlyConfigured

from core.municipality import get_municipality


def test_configuration_is_read_from_settings(configure):
    configure(
        NAME="川崎市",
        PR_DIVISION_NAME="シティプロモーション推進室",
        ACCOUNT_NAME_PREFIX="川崎市",
        ORG_EMAIL_DOMAINS=["@city.kawasaki.jp", " CITY.KAWASAKI.LG.JP "],
        CHECKLIST=["r9", "R16"],
    )
    m = get_municipality()
    assert m.pr_division_name == "シティプロモーション推進室"
    assert m.org_email_domains == ("city.kawasaki.jp", "city.kawasaki.lg.jp")
    assert m.applies("R9")
    assert m.applies("R16")
    assert not m.applies("R15")


def test_an_unknown_checklist_item_stops_the_deployment(configure):
    configure(CHECKLIST=["R6", "R99"])
    with pytest.raises(ImproperlyConfigured, match="R99"):
        get_municipality()


def test_r11_applies_whatever_the_configuration_says(configure):
    configure(CHECKLIST=[])
    assert get_municipality().applies("R11")
    assert not get_municipality().applies("R6")


def test_r12_is_a_switch(configure):
    """Issue 10 §7: the periodic review (003 §5(9)) exists, so R12 may be switched on."""
    configure(CHECKLIST=["R6", "R12"])
    assert get_municipality().applies("R12")
    configure(CHECKLIST=["R6"])
    assert not get_municipality().applies("R12")
