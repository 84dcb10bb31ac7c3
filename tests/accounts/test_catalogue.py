"""One service catalogue (accounts.catalogue): the Service rows, the slug choices, the labels in
messages, the hosts and the canonical URLs all come from it, so they cannot disagree."""

import pytest

from accounts import identity
from accounts.catalogue import SERVICE_SLUGS, SERVICES, sort_order
from accounts.hosts import BRAND_DOMAINS, HOST_TO_SERVICE, service_of_host
from accounts.identity import AccountKey, IdentityError, canonicalize
from accounts.models import Service


@pytest.mark.django_db
def test_the_migration_created_one_service_row_per_entry_as_catalogued():
    rows = list(Service.objects.order_by("sort_order"))
    assert [r.slug for r in rows] == list(SERVICE_SLUGS)
    for row, facts in zip(rows, SERVICES, strict=True):
        assert (row.name, row.offers_verified_badge, row.sort_order) == (
            facts.name,
            facts.offers_verified_badge,
            sort_order(facts),
        )


def test_the_slug_choices_are_the_catalogue():
    assert Service._meta.get_field("slug").choices == [(s.slug, s.name) for s in SERVICES]


@pytest.mark.parametrize("facts", SERVICES, ids=lambda f: f.slug)
def test_messages_name_a_service_as_the_catalogue_does(facts):
    assert identity.service_label(facts.slug) == facts.name
    if facts.slug != "other":
        with pytest.raises(IdentityError) as info:
            canonicalize("https://blog.example.jp/a", facts.slug)
        assert facts.name in str(info.value)


# A canonical identifier of each service (accounts.handles has the syntax).
IDENTIFIERS = {
    "x": "samplecity", "facebook": "samplecity", "instagram": "samplecity",
    "youtube": "channel/UCaBcDeFgHiJkLmNoPqRsTuV", "line": "@samplecity", "tiktok": "@samplecity",
    "threads": "@samplecity", "bluesky": "samplecity.bsky.social", "note": "samplecity",
}  # fmt: skip


@pytest.mark.parametrize(
    "facts", [s for s in SERVICES if s.slug != "other"], ids=lambda facts: facts.slug
)
def test_every_service_has_hosts_url_rules_and_a_profile_url(facts):
    assert facts.hosts
    assert facts.brand_domains
    assert facts.profile_url.startswith("https://")
    assert all(service_of_host(h) == facts.slug for h in (*facts.hosts, *facts.other_hosts))
    assert all(h in HOST_TO_SERVICE for h in facts.hosts)
    assert set(facts.brand_domains) <= set(BRAND_DOMAINS)
    key = AccountKey(facts.slug, IDENTIFIERS[facts.slug])
    assert key.url.startswith(facts.profile_url)
    assert canonicalize(key.url) == key
    assert key.display_handle.startswith(facts.handle_prefix)
