"""workflow_save: the whole grid or nothing; bad entries named; other campaigns' ids refused."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from leadflow.campaigns.services import campaign_delete
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.core.errors import NotFoundError
from leadflow.statuses.defaults import DEFAULT_WORKFLOW
from leadflow.statuses.models import StatusTransition
from leadflow.statuses.tests.factories import statuses_of
from leadflow.statuses.workflow import TransitionSpec, WorkflowError, workflow_save

pytestmark = pytest.mark.django_db


def _grid(campaign) -> set[tuple[int, int, int | None, int | None, str]]:
    return set(StatusTransition.objects.filter(campaign=campaign).values_list(
        "from_status_id", "to_status_id", "exclude_from_day", "exclude_to_day", "exclude_mode"))


def test_every_new_campaign_gets_the_default_workflow(tenant):
    campaign = make_campaign(tenant)
    by_id = {s.id: s.name for s in statuses_of(campaign).values()}
    cells = {(by_id[f], by_id[t]) for f, t, *_ in _grid(campaign)}
    expected = {(f, t) for f, targets in DEFAULT_WORKFLOW.items() for t in targets}
    assert cells == expected
    personal = [c for c in _grid(campaign) if by_id[c[1]] == "Call Again - Personal"]
    assert personal and all(c[2:] == (30, 3650, "when_permanent") for c in personal)


def test_saving_replaces_the_whole_grid(tenant):
    campaign = make_campaign(tenant)
    by_name = statuses_of(campaign)
    busy, voicemail = by_name["Busy"], by_name["Voicemail"]

    saved = workflow_save(tenant=tenant, campaign_id=campaign.id, transitions=[
        TransitionSpec(busy.id, voicemail.id, 2, 4, "when_non_permanent"),
        TransitionSpec(voicemail.id, voicemail.id),  # cycles are fine
    ])

    assert len(saved) == 2
    assert _grid(campaign) == {(busy.id, voicemail.id, 2, 4, "when_non_permanent"),
                               (voicemail.id, voicemail.id, None, None, "ignore")}


def test_an_empty_grid_clears_the_campaigns_workflow_only(tenant):
    campaign, other = make_campaign(tenant), make_campaign(tenant)
    before_other = _grid(other)
    workflow_save(tenant=tenant, campaign_id=campaign.id, transitions=[])
    assert _grid(campaign) == set()
    assert _grid(other) == before_other


@pytest.mark.parametrize(("from_day", "to_day", "field", "words"), [
    (5, 3, "exclude_from_day", "starts after it ends"),
    (-1, 3, "exclude_from_day", "cannot be negative"),
    (1, -2, "exclude_to_day", "cannot be negative"),
    (4, None, "exclude_to_day", "both days"),
    (None, 4, "exclude_from_day", "both days"),
    (0, 36_501, "exclude_to_day", "at most 36500"),
], ids=["from-after-to", "negative-from", "negative-to", "only-from", "only-to", "too-far"])
def test_a_bad_range_refuses_the_whole_grid_and_names_its_cell(tenant, from_day, to_day, field,
                                                               words):
    campaign = make_campaign(tenant)
    by_name = statuses_of(campaign)
    before = _grid(campaign)
    good = TransitionSpec(by_name["Busy"].id, by_name["Busy"].id)
    bad = TransitionSpec(by_name["Busy"].id, by_name["Voicemail"].id, from_day, to_day)

    with pytest.raises(WorkflowError) as caught:
        workflow_save(tenant=tenant, campaign_id=campaign.id, transitions=[good, bad])

    [cell] = caught.value.cells
    assert (cell.index, cell.from_status_id, cell.to_status_id, cell.field) == (
        1, by_name["Busy"].id, by_name["Voicemail"].id, field)
    assert words in cell.message
    assert _grid(campaign) == before  # nothing changed


def test_an_unknown_mode_is_refused(tenant):
    campaign = make_campaign(tenant)
    busy = statuses_of(campaign)["Busy"]
    with pytest.raises(WorkflowError) as caught:
        workflow_save(tenant=tenant, campaign_id=campaign.id,
                      transitions=[TransitionSpec(busy.id, busy.id, 1, 2, "sometimes")])
    assert caught.value.cells[0].field == "exclude_mode"


def test_a_status_of_another_campaign_is_refused_by_name(tenant):
    campaign, other = make_campaign(tenant), make_campaign(tenant)
    mine, theirs = statuses_of(campaign)["Busy"], statuses_of(other)["Busy"]
    before = _grid(campaign)

    with pytest.raises(WorkflowError) as caught:
        workflow_save(tenant=tenant, campaign_id=campaign.id,
                      transitions=[TransitionSpec(mine.id, theirs.id)])

    [cell] = caught.value.cells
    assert cell.field == "to_status_id"
    assert cell.message == f"Status {theirs.id} belongs to another campaign."
    assert _grid(campaign) == before


def test_another_tenants_status_is_simply_not_found(tenant, other_tenant):
    campaign = make_campaign(tenant)
    mine = statuses_of(campaign)["Busy"]
    theirs = statuses_of(make_campaign(other_tenant))["Busy"]

    with pytest.raises(WorkflowError) as caught:
        workflow_save(tenant=tenant, campaign_id=campaign.id,
                      transitions=[TransitionSpec(theirs.id, mine.id)])

    assert caught.value.cells[0].message == f"Status {theirs.id} not found."


@pytest.mark.parametrize("status_id", [0, -5, 2**63, 10**30])
def test_ids_that_cannot_exist_are_not_found(tenant, status_id):
    campaign = make_campaign(tenant)
    busy = statuses_of(campaign)["Busy"]
    with pytest.raises(WorkflowError) as caught:
        workflow_save(tenant=tenant, campaign_id=campaign.id,
                      transitions=[TransitionSpec(busy.id, status_id)])
    assert caught.value.cells[0].message == f"Status {status_id} not found."


def test_a_cell_listed_twice_is_refused(tenant):
    campaign = make_campaign(tenant)
    busy = statuses_of(campaign)["Busy"]
    with pytest.raises(WorkflowError) as caught:
        workflow_save(tenant=tenant, campaign_id=campaign.id,
                      transitions=[TransitionSpec(busy.id, busy.id),
                                   TransitionSpec(busy.id, busy.id, 1, 2)])
    assert caught.value.cells[0].index == 1 and "listed twice" in caught.value.cells[0].message


def test_every_bad_entry_is_reported_not_just_the_first(tenant):
    campaign = make_campaign(tenant)
    busy = statuses_of(campaign)["Busy"]
    with pytest.raises(WorkflowError) as caught:
        workflow_save(tenant=tenant, campaign_id=campaign.id, transitions=[
            TransitionSpec(busy.id, busy.id, 3, 1), TransitionSpec(busy.id, 999_999)])
    assert [c.index for c in caught.value.cells] == [0, 1]


def test_another_tenants_campaign_is_not_found(tenant, other_tenant):
    theirs = make_campaign(other_tenant)
    with pytest.raises(NotFoundError):
        workflow_save(tenant=tenant, campaign_id=theirs.id, transitions=[])


def test_the_database_refuses_a_bad_range_even_past_the_service(tenant):
    campaign = make_campaign(tenant)
    busy = statuses_of(campaign)["Busy"]
    StatusTransition.objects.filter(campaign=campaign).delete()
    for from_day, to_day in ((5, 3), (2, None)):
        with pytest.raises(IntegrityError), transaction.atomic():
            StatusTransition.objects.create(tenant=tenant, campaign=campaign, from_status=busy,
                                            to_status=busy, exclude_from_day=from_day,
                                            exclude_to_day=to_day)


def test_deleting_a_campaign_takes_its_workflow_with_it(tenant):
    campaign = make_campaign(tenant)
    campaign_delete(tenant=tenant, campaign_id=campaign.id)
    assert not StatusTransition.objects.filter(campaign_id=campaign.id).exists()
