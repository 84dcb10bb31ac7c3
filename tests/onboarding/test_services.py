"""The import of existing accounts (issue 11 §1): the dry run, the import, idempotence, the
row errors with their row and column, all or nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import (
    AccountStatus,
    BadgeStatus,
    FormerIdentifier,
    IdentifierSource,
    Officer,
    OfficerRole,
    OfficialAccount,
    Service,
)
from onboarding import columns as c
from onboarding import services
from onboarding.checks import CREATE, ERROR, UNCHANGED
from onboarding.models import AccountImport, ImportedAccount
from onboarding.reader import ImportRefused
from organization.models import User
from policies.models import OperationPolicy, PolicyStatus, PolicyTemplate
from policies.services import create_draft_policy, publish_policy
from tests.onboarding.conftest import csv_file, good_row, xlsx_file

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        OfficialAccount.objects.count(),
        Officer.objects.count(),
        OperationPolicy.objects.count(),
        AccountImport.objects.count(),
        ImportedAccount.objects.count(),
        FormerIdentifier.objects.count(),
        OfficialAccount.history.count(),
    )


# --- A clean file -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv-bom-crlf", "csv-cp932", "xlsx"])
def test_a_clean_file_is_listed_with_officers_policy_and_migration_record(users, kind):
    rows = [
        good_row(**{c.OPERATORS: "operator、manager", c.LISTED_ON: "2019年4月1日"}),
        good_row(
            **{
                c.SERVICE: "X",
                c.URL: "@city_kankyo",
                c.DEPARTMENT: "経済観光局 観光部 観光プロモーション課",
                c.BADGE: "取得済み",
                c.PLATFORM_ID: "1234567890",
                c.POLICY: "観光イベントの情報を発信します。返信はしません。",
            }
        ),
    ]
    if kind == "xlsx":
        data = xlsx_file(*rows)
    elif kind == "csv-cp932":
        data = csv_file(*rows, encoding="cp932").replace(b"\r\n", b"\n")
    else:
        data = csv_file(*rows)

    plan = services.plan(data)

    assert plan.ok, [str(e) for e in plan.errors]
    assert [r.action for r in plan.rows] == [CREATE, CREATE]
    assert [r.line for r in plan.rows] == [2, 3]
    assert "登録する2件" in plan.summary
    assert not OfficialAccount.objects.filter(display_name=rows[0][c.NAME]).exists()

    result = services.apply(plan, users["pr"], "台帳.xlsx", plan.sha256)

    first = OfficialAccount.objects.get(display_name=rows[0][c.NAME])
    assert first.status == AccountStatus.LISTED
    assert first.service.slug == "instagram"
    assert first.department.code == "411"
    assert timezone.localdate(first.listed_at).isoformat() == "2019-04-01"
    assert first.badge_status == BadgeStatus.NOT_APPLIED
    assert first.name_reading == ""
    assert "さんぷるし" in first.search_text
    officers = {(o.role, o.user.username) for o in first.officers.select_related("user")}
    assert officers == {
        (OfficerRole.RESPONSIBLE, "head"),
        (OfficerRole.MANAGER, "manager"),
        (OfficerRole.OPERATOR, "operator"),
        (OfficerRole.OPERATOR, "manager"),
    }
    assert first.has_complete_officers()
    second = OfficialAccount.objects.get(display_name=rows[1][c.NAME])
    assert second.identifier == "city_kankyo"
    assert second.platform_id == "id:1234567890"
    assert second.badge_status == BadgeStatus.OBTAINED
    policy = second.policies.get()
    assert policy.status == PolicyStatus.PUBLISHED
    assert policy.version == 1
    assert policy.content == "観光イベントの情報を発信します。返信はしません。"
    assert first.policies.get().content == first.purpose  # template: the purpose
    # The migration approval: who, when, which file, which row.
    record = ImportedAccount.objects.get(account=first)
    assert record.line == 2
    assert record.batch == result.batch
    assert record.batch.file_name == "台帳.xlsx"
    assert record.batch.imported_by == users["pr"]
    assert record.batch.row_count == 2
    assert record.batch.created_count == 2
    # The history says how it got there, and by whom.
    history = first.history.get()
    assert history.history_type == "+"
    assert history.history_user == users["pr"]
    assert "既存アカウントの取り込み" in history.history_change_reason


def test_the_policy_is_what_the_policy_services_would_publish(users, configure):
    """The import builds version 1 in memory for speed; it must equal what
    create_draft_policy + publish_policy make for the same account."""
    template = PolicyTemplate.objects.get(pk=1)
    template.contact = "{department}（電話 000-0000）"
    template.save()
    plan = services.plan(csv_file(good_row()))
    account = services.apply(plan, users["pr"], "a.csv", plan.sha256).created[0]
    imported = account.policies.get()
    other = OfficialAccount.objects.create(
        service=account.service,
        identifier="other_for_compare",
        url="https://www.instagram.com/other_for_compare/",
        display_name=account.display_name,
        department=account.department,
        purpose=account.purpose,
        registration_email=account.registration_email,
        status=AccountStatus.DRAFT,
    )
    by_service = publish_policy(
        policy=create_draft_policy(
            account=other, created_by=users["pr"], purpose=other.purpose, content=other.purpose
        )
    )
    fields = [*PolicyTemplate.TEMPLATE_FIELDS, "purpose", "content", "related_url", "version"]
    fields += ["status", "service_name", "account_name", "department_name"]
    assert {f: getattr(imported, f) for f in fields} == {f: getattr(by_service, f) for f in fields}
    assert "観光プロモーション課（電話" in imported.contact


def test_importing_the_same_file_twice_changes_nothing(users):
    data = csv_file(good_row(), good_row(**{c.OPERATORS: "operator;manager"}))
    plan = services.plan(data)
    services.apply(plan, users["pr"], "a.csv", plan.sha256)
    before = snapshot()

    again = services.plan(data)

    assert again.ok
    assert [r.action for r in again.rows] == [UNCHANGED, UNCHANGED]
    assert "登録済み（変更なし）2件" in again.summary
    result = services.apply(again, users["pr"], "a.csv", again.sha256)
    assert result.batch is None
    assert result.created == []
    assert result.unchanged == 2
    assert snapshot() == before


def test_the_demo_accounts_themselves_are_unchanged_when_listed_identically(users, tourism_account):
    """An account the registry lists is matched by its canonical key, however it is written."""
    officers = {o.role: o for o in tourism_account.officers.select_related("user")}
    row = good_row(
        **{
            c.SERVICE: "インスタグラム",
            c.URL: "ｈｔｔｐｓ://instagram.com/Sample_City_Kanko?hl=ja",
            c.NAME: tourism_account.display_name,
            c.DEPARTMENT: tourism_account.department.name,
            c.PURPOSE: tourism_account.purpose,
            c.RESPONSIBLE: officers[OfficerRole.RESPONSIBLE].user.username,
            c.MANAGER: officers[OfficerRole.MANAGER].user.username,
            c.OPERATORS: "、".join(
                o.user.username for o in tourism_account.officers.filter(role="operator")
            ),
            c.EMAIL: tourism_account.registration_email.upper(),
            c.BADGE: tourism_account.get_badge_status_display(),
        }
    )
    plan = services.plan(csv_file(row))
    assert [str(e) for e in plan.errors] == []
    assert plan.rows[0].action == UNCHANGED
    assert plan.rows[0].existing_pk == tourism_account.pk


# --- Every kind of row error --------------------------------------------------------------

ERRORS = [
    ({c.SERVICE: "Myspace"}, c.SERVICE, "「Myspace」というサービスはありません"),
    ({c.SERVICE: ""}, c.SERVICE, "入力してください"),
    ({c.URL: "https://bit.ly/3abc"}, c.URL, "短縮URLは使えません（R11）"),
    ({c.URL: "https://x.com/sample_city"}, c.URL, "このURLはX（旧Twitter）のアカウントのものです"),
    ({c.URL: "https://www.instagram.com/p/"}, c.URL, "アカウントのページのURLではありません"),
    ({c.URL: ""}, c.URL, "URLまたはアカウント名を入力してください"),
    ({c.NAME: ""}, c.NAME, "入力してください"),
    ({c.NAME: "名" * 101}, c.NAME, "100"),
    ({c.NAME: "サンプル市\x1b観光"}, c.NAME, "制御文字"),
    ({c.READING: "観光"}, c.READING, "よみはひらがな"),
    ({c.DEPARTMENT: "999"}, c.DEPARTMENT, "「999」という組織（組織コードまたは名称）はありません"),
    ({c.PURPOSE: ""}, c.PURPOSE, "入力してください"),
    ({c.RESPONSIBLE: "nobody"}, c.RESPONSIBLE, "「nobody」という職員（ログインIDまたは職員番号）"),
    ({c.RESPONSIBLE: "operator"}, c.RESPONSIBLE, "局長・所属長ではないため、アカウント責任者に"),
    ({c.RESPONSIBLE: "head、head2"}, c.RESPONSIBLE, "アカウント責任者を1人登録してください"),
    ({c.MANAGER: ""}, c.MANAGER, "アカウント管理者を1人登録してください"),
    ({c.OPERATORS: ""}, c.OPERATORS, "アカウント担当者を1人以上登録してください"),
    ({c.OPERATORS: "admin"}, c.OPERATORS, "システム管理者（admin）はアカウントの担当にできません"),
    (
        {c.MANAGER: "head", c.OPERATORS: "head"},
        c.OPERATORS,
        "責任者・管理者・担当者のすべてを兼ねています",
    ),
    ({c.EMAIL: ""}, c.EMAIL, "入力してください"),
    ({c.EMAIL: "not-an-address"}, c.EMAIL, "有効なメールアドレス"),
    ({c.BADGE: "あり"}, c.BADGE, "「取得済み」「申請中」「未申請」「制度なし」のいずれか"),
    ({c.BADGE: "制度なし"}, c.BADGE, "Instagramには認証バッジの制度があります"),
    ({c.PLATFORM_ID: "abc"}, c.PLATFORM_ID, "ユーザーID（数字）の形式ではありません"),
    ({c.FORMER: "@sample_city_kanko"}, c.FORMER, "今、台帳の公式アカウント"),
    ({c.FORMER: "https://x.com/old"}, c.FORMER, "「https://x.com/old」："),
    ({c.POLICY: "https://bit.ly/policy"}, c.POLICY, "短縮URLは使えません"),
    ({c.POLICY: "あ" * 4001}, c.POLICY, "4000文字以内"),
    ({c.LISTED_ON: "昨日"}, c.LISTED_ON, "2026-05-31"),
    ({c.LISTED_ON: "2999-01-01"}, c.LISTED_ON, "今日より後の日付"),
    ({c.LISTED_ON: "1999-12-31"}, c.LISTED_ON, "2000年1月1日以降"),
]


@pytest.mark.parametrize(
    ("overrides", "column", "message"), ERRORS, ids=[f"{e[1]}-{i}" for i, e in enumerate(ERRORS)]
)
def test_each_row_error_names_its_row_and_column_in_japanese(users, overrides, column, message):
    data = csv_file(good_row(), good_row(**overrides))
    before = snapshot()

    plan = services.plan(data)

    assert not plan.ok
    assert [r.action for r in plan.rows] == [CREATE, ERROR]
    texts = [str(e) for e in plan.errors]
    assert any(t.startswith(f"3行目「{column}」：") and message in t for t in texts), texts
    with pytest.raises(ImportRefused, match="取り込みません"):
        services.apply(plan, users["pr"], "a.csv", plan.sha256)
    assert snapshot() == before  # all or nothing: the good row is not imported either


def test_a_duplicate_row_in_the_same_file(users):
    row = good_row()
    same = {**row, c.URL: "@" + row[c.URL].rstrip("/").rsplit("/", 1)[1].upper()}
    plan = services.plan(csv_file(row, same))
    assert [str(e) for e in plan.errors] == [
        "3行目「URLまたは@ID」：2行目と同じアカウントです（重複）。"
    ]


def test_an_account_already_listed_with_other_details_is_not_changed(users, tourism_account):
    row = good_row(**{c.URL: "@sample_city_kanko", c.NAME: "サンプル市かんこう"})
    plan = services.plan(csv_file(row))
    (error,) = plan.errors
    assert error.line == 2
    assert error.column == c.URL
    assert "既に台帳に登録されていて、内容が異なります（アカウント名、" in error.message
    assert "変更は変更申請で行ってください" in error.message


def test_an_account_in_registration_is_refused(users):
    account = OfficialAccount.objects.create(
        service=Service.objects.get(slug="instagram"),
        identifier="in_registration",
        url="https://www.instagram.com/in_registration/",
        display_name="サンプル市申請中",
        department=users["operator"].department,
        purpose="申請中です。",
        registration_email="a@city.example.lg.jp",
        status=AccountStatus.PENDING,
    )
    plan = services.plan(csv_file(good_row(**{c.URL: "@in_registration"})))
    assert "登録の申請中です（「サンプル市申請中」）" in str(plan.errors[0])
    assert account.status == AccountStatus.PENDING


def test_an_inactive_officer_and_a_staff_number(users):
    users["manager"].staff_number = "012345"
    users["manager"].save()
    users["operator"].is_active = False
    users["operator"].save()
    plan = services.plan(csv_file(good_row(**{c.MANAGER: "０１２３４５"})))
    assert [str(e) for e in plan.errors] == [
        "2行目「担当者」：佐藤 花子（operator）は無効（退職など）になっている職員です。"
    ]
    plan = services.plan(csv_file(good_row(**{c.MANAGER: "012345", c.OPERATORS: "manager"})))
    assert plan.ok
    assert plan.rows[0].manager_names == "鈴木 一郎"


def test_an_organisation_email_and_the_name_prefix_when_configured(users, configure):
    configure(
        ORG_EMAIL_DOMAINS=["city.example.lg.jp"],
        ACCOUNT_NAME_PREFIX="サンプル市",
        CHECKLIST=["R8", "R9", "R11"],
    )
    plan = services.plan(csv_file(good_row(**{c.EMAIL: "kanko@gmail.com", c.NAME: "観光だより"})))
    texts = [str(e) for e in plan.errors]
    email = "2行目「登録メールアドレス」：登録メールアドレスは組織のアドレス"
    prefix = "2行目「アカウント名」：アカウント名は「サンプル市」で始めて"
    assert any(t.startswith(email) for t in texts)
    assert any(t.startswith(prefix) for t in texts)


def test_a_name_shared_by_two_departments_asks_for_the_code(users):
    from organization.models import Department

    Department.objects.create(
        name="観光プロモーション課",
        kind="section",
        parent=Department.objects.get(code="210"),
        code="212",
    )
    plan = services.plan(csv_file(good_row(**{c.DEPARTMENT: "観光プロモーション課"})))
    assert "複数あります。組織コードで指定してください（212、411）" in str(plan.errors[0])


def test_a_template_missing_a_required_item_stops_the_file(users):
    PolicyTemplate.objects.filter(pk=1).update(disclaimer="")
    plan = services.plan(csv_file(good_row()))
    assert not plan.ok
    assert "免責事項" in plan.file_errors[0]


def test_a_key_taken_after_the_dry_run_imports_nothing(users):
    rows = [good_row(), good_row()]
    plan = services.plan(csv_file(*rows))
    assert plan.ok
    OfficialAccount.objects.create(
        service=Service.objects.get(slug="instagram"),
        identifier=plan.rows[1].values["identifier"],
        url=plan.rows[1].values["url"],
        display_name="サンプル市先に登録",
        department=users["operator"].department,
        purpose="先に登録されました。",
        registration_email="a@city.example.lg.jp",
        status=AccountStatus.PENDING,
    )
    before = snapshot()
    with pytest.raises(ImportRefused, match="確認の後に台帳が変わりました"):
        services.apply(plan, users["pr"], "a.csv", plan.sha256)
    assert snapshot() == before


# --- Former IDs (issue 14) -------------------------------------------------------------------


def test_former_ids_are_recorded_and_verify_as_renamed(client, users):
    row = good_row(**{c.FORMER: "@old_kanko_name、https://www.instagram.com/older_name/"})
    plan = services.plan(csv_file(row))
    account = services.apply(plan, users["pr"], "a.csv", plan.sha256).created[0]
    former = FormerIdentifier.objects.filter(account=account).order_by("identifier")
    assert [f.identifier for f in former] == ["old_kanko_name", "older_name"]
    assert all(f.source == IdentifierSource.IMPORT for f in former)
    assert all(f.recorded_by == users["pr"] and "a.csv 2行目" in f.note for f in former)
    answer = client.get(reverse("api-verify"), {"q": "https://www.instagram.com/old_kanko_name/"})
    assert answer.json()["verdict"] == "renamed"


def test_a_handle_once_used_by_another_account_is_flagged(users, tourism_account):
    FormerIdentifier.objects.create(
        account=tourism_account,
        service=tourism_account.service,
        identifier="was_ours",
        used_until="2024-01-01",
        source=IdentifierSource.STAFF,
    )
    plan = services.plan(csv_file(good_row(**{c.URL: "@was_ours"})))
    assert plan.ok
    (warning,) = plan.warnings
    assert warning.startswith("2行目：@was_ours は以前、台帳の「サンプル市観光」が使っていたID")


def test_a_former_id_that_another_row_uses_now(users):
    first = good_row(**{c.URL: "@now_used"})
    plan = services.plan(csv_file(first, good_row(**{c.FORMER: "@now_used"})))
    assert [str(e) for e in plan.errors] == [
        "3行目「以前のID」：「now_used」は2行目のアカウントの現在のIDです。"
    ]


# --- Scale --------------------------------------------------------------------------------


def test_the_dry_run_reads_the_registry_in_a_constant_number_of_queries(
    users, django_assert_max_num_queries
):
    small = csv_file(*[good_row() for _ in range(3)])
    large = csv_file(*[good_row(**{c.FORMER: "@gone_name_x"}) for _ in range(60)])
    with django_assert_max_num_queries(12) as small_ctx:
        services.plan(small)
    with django_assert_max_num_queries(12) as large_ctx:
        services.plan(large)
    assert len(large_ctx.captured_queries) == len(small_ctx.captured_queries)


def test_the_import_writes_in_bulk(users, django_assert_max_num_queries):
    plan = services.plan(csv_file(*[good_row() for _ in range(50)]))
    with django_assert_max_num_queries(25):
        result = services.apply(plan, users["pr"], "a.csv", plan.sha256)
    assert len(result.created) == 50
    assert Officer.objects.filter(account__in=result.created).count() == 150
    assert OfficialAccount.history.filter(id__in=[a.pk for a in result.created]).count() == 50
    assert User.objects.get(username="pr") == result.batch.imported_by
