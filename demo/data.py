"""Demo data for a plausible municipality (``manage.py seed_demo``).

Everything is keyed on natural keys (department code, username, service + identifier), so
running it again changes nothing. ``seed_bulk_accounts`` is for load and performance work:
it writes with ``bulk_create`` and so skips the per-row history that ordinary edits keep.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from accounts import identity, permanent, renames
from accounts.catalogue import ensure_catalogue
from accounts.models import (
    ENDED_STATUSES,
    AccountStatus,
    BadgeStatus,
    IdentifierSource,
    Officer,
    OfficerRole,
    OfficialAccount,
    Service,
)
from core.cache import bump
from core.municipality import get_municipality
from incidents.models import Incident, IncidentKind, IncidentStatus
from organization.models import Department, User
from policies.models import OperationPolicy, OperationRules, PolicyStatus, PolicyTemplate
from policies.services import create_draft_policy, get_policy_template, publish_policy

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 — the published password of demo users only

# (code, name, kind, parent code, is PR division)
DEPARTMENTS = [
    ("100", "総務局", "bureau", None, False),
    ("110", "総務部", "division", "100", False),
    ("111", None, "section", "110", True),  # the PR division; name from configuration
    ("112", "情報政策課", "section", "110", False),
    ("200", "市民局", "bureau", None, False),
    ("210", "市民生活部", "division", "200", False),
    ("211", "市民協働推進課", "section", "210", False),
    ("300", "健康福祉局", "bureau", None, False),
    ("310", "保健所", "division", "300", False),
    ("311", "健康づくり課", "section", "310", False),
    ("400", "経済観光局", "bureau", None, False),
    ("410", "観光部", "division", "400", False),
    ("411", "観光プロモーション課", "section", "410", False),
    ("500", "危機管理局", "bureau", None, False),
    ("511", "危機管理課", "section", "500", False),
    ("600", "教育委員会事務局", "bureau", None, False),
    ("611", "生涯学習課", "section", "600", False),
]

# (username, last name, first name, role, department code, title)
USERS = [
    ("operator", "佐藤", "花子", User.Role.STAFF, "411", "主事"),
    ("manager", "鈴木", "一郎", User.Role.MANAGER, "411", "観光プロモーション課長"),
    ("head", "高橋", "健", User.Role.HEAD, "400", "経済観光局長"),
    ("pr", "田中", "美咲", User.Role.STAFF, "111", "主査"),
    ("prhead", "伊藤", "誠", User.Role.HEAD, "100", "総務局長"),
    ("operator2", "渡辺", "翔太", User.Role.STAFF, "511", "主事"),
    ("head2", "山本", "直樹", User.Role.HEAD, "500", "危機管理局長"),
    ("admin", "中村", "陽子", User.Role.SYSADMIN, "112", "システム管理者"),
]

# (service slug, handle or URL, name suffix, department code, purpose, badge)
ACCOUNTS = [
    ("x", "@sample_city_pr", "公式", "111", "市政の情報をお知らせします。", BadgeStatus.OBTAINED),
    (
        "facebook",
        "https://www.facebook.com/sample.city.pr",
        "公式",
        "111",
        "市のイベントや施策を写真とともに紹介します。",
        BadgeStatus.APPLIED,
    ),
    (
        "instagram",
        "@sample_city_kanko",
        "観光",
        "411",
        "四季の観光スポットと旬の食を写真で紹介します。",
        BadgeStatus.OBTAINED,
    ),
    (
        "youtube",
        "https://www.youtube.com/@samplecitych",
        "公式チャンネル",
        "111",
        "市長会見や市の取り組みを動画でお届けします。",
        BadgeStatus.OBTAINED,
    ),
    (
        "line",
        "https://line.me/R/ti/p/@samplecity",
        "公式LINE",
        "111",
        "ごみの日や防災情報など暮らしの情報を配信します。",
        BadgeStatus.OBTAINED,
    ),
    (
        "x",
        "@sample_bousai",
        "防災",
        "511",
        "災害・気象・避難の情報を迅速にお知らせします。",
        BadgeStatus.OBTAINED,
    ),
    (
        "tiktok",
        "@sample_city_kanko",
        "観光",
        "411",
        "観光の魅力を短い動画で発信します。",
        BadgeStatus.NOT_APPLIED,
    ),
    (
        "threads",
        "@sample_city_kanko",
        "観光",
        "411",
        "観光イベントの最新情報をお知らせします。",
        BadgeStatus.NOT_APPLIED,
    ),
    (
        "bluesky",
        "@samplecity.bsky.social",
        "公式",
        "111",
        "市政の情報をお知らせします。",
        BadgeStatus.NOT_OFFERED,
    ),
    (
        "note",
        "https://note.com/sample_city",
        "公式note",
        "211",
        "市民活動や職員の取り組みを記事で紹介します。",
        BadgeStatus.NOT_OFFERED,
    ),
    (
        "x",
        "@sample_kenko",
        "健康づくり",
        "311",
        "健診や健康づくりの情報をお知らせします。",
        BadgeStatus.NOT_APPLIED,
    ),
    (
        "other",
        "https://blog.sample-city.example.jp/shogai",
        "生涯学習ブログ",
        "611",
        "公民館の講座や図書館の催しを紹介します。",
        BadgeStatus.NOT_OFFERED,
    ),
]

# Issue 14: permanent IDs (as staff type them; ``accounts.permanent.parse``) of some accounts,
# by (service, current handle or URL). The verifier answers x.com/i/user/<id>,
# youtube.com/channel/UC…, bsky.app/profile/did:plc:… and the LINE basic ID as the account.
PERMANENT_IDS = [
    ("x", "@sample_city_pr", "1460000000000000001"),
    ("x", "@sample_bousai", "1460000000000000002"),
    ("facebook", "https://www.facebook.com/sample.city.pr", "100064500000001"),
    ("youtube", "https://www.youtube.com/@samplecitych", "UCsampleCityChannel00001"),
    ("line", "https://line.me/R/ti/p/@samplecity", "@612abcde"),
    ("bluesky", "@samplecity.bsky.social", "did:plc:samplecitypublicaccounts"),
]
# Earlier handles (service, current handle, earlier handle, used from, used until, note): the
# X account was 「@sample_koho」 until the city renamed it, so the verifier answers that handle
# "renamed" with the current account.
FORMER_IDENTIFIERS = [
    (
        "x",
        "@sample_city_pr",
        "@sample_koho",
        date(2016, 4, 1),
        date(2024, 3, 31),
        "市の公式アカウント名の統一のため変更（台帳の導入前）",
    ),
]


def _department_name(code: str, name: str | None) -> str:
    return name or get_municipality().pr_division_name


@transaction.atomic
def seed_departments() -> dict[str, Department]:
    by_code: dict[str, Department] = {}
    for order, (code, name, kind, parent, is_pr) in enumerate(DEPARTMENTS):
        dept, _ = Department.objects.update_or_create(
            code=code,
            defaults={
                "name": _department_name(code, name),
                "kind": kind,
                "parent": by_code.get(parent) if parent else None,
                "is_pr_division": is_pr,
                "sort_order": order,
            },
        )
        by_code[code] = dept
    return by_code


@transaction.atomic
def seed_users(departments: dict[str, Department]) -> list[User]:
    users = []
    domain = (get_municipality().org_email_domains or ("city.example.lg.jp",))[0]
    for username, last, first, role, dept, title in USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "last_name": last,
                "first_name": first,
                "role": role,
                "department": departments[dept],
                "title": title,
                "email": f"{username}@{domain}",
                # Only the system administrator uses the Django admin.
                "is_staff": role == User.Role.SYSADMIN,
                "is_superuser": role == User.Role.SYSADMIN,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        users.append(user)
    return users


def seed_services() -> dict[str, Service]:
    """The Service rows come from the catalogue (``accounts.catalogue``) by a data migration;
    restored here if the table was emptied."""
    ensure_catalogue(Service)
    return {s.slug: s for s in Service.objects.all()}


def _org_email(local: str) -> str:
    domain = (get_municipality().org_email_domains or ("city.example.lg.jp",))[0]
    return f"{local}@{domain}"


@transaction.atomic
def seed_accounts(departments: dict[str, Department], users: list[User]) -> None:
    m = get_municipality()
    services = seed_services()
    by_name = {u.username: u for u in users}
    get_policy_template()
    for slug, raw, suffix, dept_code, purpose, badge in ACCOUNTS:
        key = identity.canonicalize(raw, service=slug)
        if OfficialAccount.objects.filter(service__slug=slug, identifier=key.identifier).exists():
            continue
        dept = departments[dept_code]
        account = OfficialAccount.objects.create(
            service=services[slug],
            identifier=key.identifier,
            url=key.url,
            display_name=f"{m.account_name_prefix or m.name}{suffix}",
            department=dept,
            purpose=purpose,
            registration_email=_org_email(f"sns-{dept.code}"),
            badge_status=badge,
            credentials_rotated_on=date(2026, 10, 1),
            last_activity_on=date(2026, 11, 20),
        )
        is_tourism = dept_code == "411"
        officers = [
            (OfficerRole.RESPONSIBLE, by_name["head"] if is_tourism else None, "局長"),
            (OfficerRole.MANAGER, by_name["manager"] if is_tourism else None, "課長"),
            (OfficerRole.OPERATOR, by_name["operator"] if is_tourism else None, "担当職員"),
        ]
        for role, user, title in officers:
            Officer.objects.create(
                account=account,
                role=role,
                user=user,
                name="" if user else f"{dept.name}{title}",
                title=title,
                holds_credentials=role != OfficerRole.RESPONSIBLE,
            )
        OperationRules.objects.create(
            account=account,
            posting_staff=f"{dept.name}の担当職員",
            approval_before_posting="投稿前にアカウント管理者（課長）の了承を得る。",
            credential_handling="ログイン情報は担当職員のみが管理し、3か月ごとに変更する。",
            devices="市が整備した業務用端末",
            devices_checked_by_ict=True,
        )
        policy = create_draft_policy(
            account=account, purpose=purpose, content=f"{purpose}\n関連するお知らせや行事予定。"
        )
        publish_policy(policy=policy)
        account.submit()
        account.list_publicly()
        account.save()


def seed_incidents(users: list[User]) -> None:
    """One past incident, dealt with (R18): the 防災 account posted a wrong date and
    corrected it. Not suspended, so the public list stays as it is. Idempotent."""
    account = OfficialAccount.objects.filter(
        service__slug="x", identifier="sample_bousai", status=AccountStatus.LISTED
    ).first()
    if account is None or Incident.objects.filter(account=account).exists():
        return
    operator = next(u for u in users if u.username == "operator2")
    now = timezone.now()
    Incident.objects.create(
        account=account,
        kind=IncidentKind.MISINFORMATION,
        occurred_at=now - timedelta(days=30),
        description="避難訓練の日付を誤って投稿しました（正しくは11月10日）。",
        actions_taken="30分後に訂正の投稿をし、誤った投稿を削除しました。アカウント管理者が確認しました。",
        status=IncidentStatus.CLOSED,
        recorded_by=operator,
        recorded_at=now - timedelta(days=30),
        closed_at=now - timedelta(days=29),
    )


def _listed(slug: str, raw: str) -> OfficialAccount | None:
    key = identity.canonicalize(raw, service=slug)
    return OfficialAccount.objects.filter(
        service__slug=slug, identifier=key.identifier, status=AccountStatus.LISTED
    ).first()


@transaction.atomic
def seed_handle_history(users: list[User]) -> None:
    """Permanent IDs where none is set yet, and the earlier handles (issue 14). Idempotent:
    an ID another live account carries already is left alone, a recorded handle is kept."""
    pr = next((u for u in users if u.username == "pr"), None)
    for slug, raw, typed in PERMANENT_IDS:
        account = _listed(slug, raw)
        if account is None or account.platform_id:
            continue
        stored = permanent.parse(slug, typed)
        taken = OfficialAccount.objects.filter(service=account.service, platform_id=stored)
        if taken.exclude(status__in=ENDED_STATUSES).exists():
            continue
        account.platform_id = stored
        account.save(update_fields=["platform_id"])
    for slug, raw, earlier, used_from, used_until, note in FORMER_IDENTIFIERS:
        account = _listed(slug, raw)
        if account is None:
            continue
        renames.record_former_identifier(
            account,
            service=account.service,
            identifier=identity.canonicalize(earlier, service=slug).identifier,
            source=IdentifierSource.STAFF,
            used_from=used_from,
            used_until=used_until,
            note=note,
            recorded_by=pr,
        )


def seed_municipality() -> list[User]:
    departments = seed_departments()
    users = seed_users(departments)
    seed_accounts(departments, users)
    seed_handle_history(users)
    seed_incidents(users)
    return users


BULK_PREFIX = "bulk"


@transaction.atomic
def seed_bulk_accounts(count: int, *, batch_size: int = 2000) -> int:
    """Add ``count`` listed accounts with officers and a published policy, quickly."""
    m = get_municipality()
    services = list(Service.objects.order_by("sort_order"))
    sections = list(
        Department.objects.filter(kind=Department.Kind.SECTION).select_related("parent__parent")
    )
    template = get_policy_template()
    policy_text = {
        d.pk: {
            f: getattr(template, f).replace("{department}", d.full_name)
            for f in PolicyTemplate.TEMPLATE_FIELDS
        }
        for d in sections
    }
    start = OfficialAccount.objects.filter(identifier__contains=BULK_PREFIX).count()
    now = timezone.now()
    created = 0
    numbers = iter(range(start, start + count))
    while batch := list(itertools.islice(numbers, batch_size)):
        accounts = []
        for n in batch:
            service = services[n % len(services)]
            dept = sections[n % len(sections)]
            handle = f"{BULK_PREFIX}{n:07d}"
            raw = (
                f"https://www.city.example.lg.jp/sns/{handle}"
                if service.slug == "other"
                else f"@{handle}"
            )
            key = identity.canonicalize(raw, service=service.slug)
            accounts.append(
                OfficialAccount(
                    service=service,
                    identifier=key.identifier,
                    url=key.url,
                    display_name=f"{m.account_name_prefix or m.name}{dept.name} {n}",
                    department=dept,
                    purpose=f"{dept.name}からのお知らせを発信します。",
                    registration_email=_org_email(f"sns-{dept.code}"),
                    badge_status=BadgeStatus.NOT_APPLIED,
                    status=AccountStatus.LISTED,
                    listed_at=now,
                )
            )
        for account in accounts:
            account.search_text = account.build_search_text()
        accounts = OfficialAccount.objects.bulk_create(accounts)
        Officer.objects.bulk_create(
            Officer(account=a, role=role, name=f"{a.department.name}{title}", title=title)
            for a in accounts
            for role, title in (
                (OfficerRole.RESPONSIBLE, "局長"),
                (OfficerRole.MANAGER, "課長"),
                (OfficerRole.OPERATOR, "担当職員"),
            )
        )
        OperationPolicy.objects.bulk_create(
            OperationPolicy(
                account=a,
                version=1,
                status=PolicyStatus.PUBLISHED,
                published_at=now,
                purpose=a.purpose,
                content=a.purpose,
                service_name=a.service.name,
                account_name=a.display_name,
                account_url=a.url,
                department_name=a.department.full_name,
                **policy_text[a.department_id],
            )
            for a in accounts
        )
        created += len(accounts)
    bump()  # bulk_create sends no signals: make cached public pages stale here
    _analyze()
    return created


def _analyze() -> None:
    """Fresh planner statistics after a bulk load (PostgreSQL would otherwise guess)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (OfficialAccount, Officer, OperationPolicy):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
