"""Every checklist item a deployment can switch on does something (core.checklist): R8 and R9
validate the account, R12 is the periodic review (reviews), the others are ticked on the
request form; R11 always applies."""

import pytest

from approvals.forms import FORM_CHECKLIST, ChecklistForm
from core.checklist import ALWAYS_ENFORCED, CHECKLIST_ITEMS

VALIDATED = {"R8", "R9"}  # accounts.validators: the e-mail domain and the name prefix
OPERATIONS = {"R12"}  # reviews: the periodic review, the stale list and their reminders


def test_every_offered_item_is_read_somewhere():
    assert set(CHECKLIST_ITEMS) == set(FORM_CHECKLIST) | VALIDATED | OPERATIONS


@pytest.mark.parametrize("rule", FORM_CHECKLIST)
def test_a_ticked_item_is_asked_exactly_when_it_applies(configure, rule):
    configure(CHECKLIST=[rule])
    assert set(ChecklistForm().fields) == {rule} | ALWAYS_ENFORCED
    configure(CHECKLIST=[])
    assert set(ChecklistForm().fields) == set(ALWAYS_ENFORCED)


def test_the_form_refuses_a_submission_without_the_tick(configure):
    configure(CHECKLIST=["R4", "R10"])
    form = ChecklistForm(data={"R4": "on", "R11": "on"})
    assert not form.is_valid()
    assert set(form.errors) == {"R10"}
    assert ChecklistForm(data={"R4": "on", "R10": "on", "R11": "on"}).is_valid()
