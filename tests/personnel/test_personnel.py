"""人事異動 (issue 10 §4): accounts whose officers left are flagged, fixed in one request
through both approvals (R1, R2; 001 §4), and the personnel system's CSV updates staff."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import strip_tags

from accounts.models import Officer, OfficerRole, OfficialAccount
from approvals import services
from approvals.models import Action, ApprovalRequest, RequestKind, RequestState
from core.errors import InvalidTransition, ProposalInvalid
from organization.models import Department, User
from personnel import imports, selectors
from personnel.models import OfficerChangeNeeded
from tests.workflow import CHECKLIST_ON, close_account

pytestmark = pytest.mark.django_db

APRIL_1 = dt.datetime(2027, 4, 1, 9, 0, tzinfo=dt.UTC)


def text_of(response) -> str:
    return " ".join(strip_tags(response.content.decode()).split())


def tourism(users):
    return list(OfficialAccount.objects.filter(officers__user=users["operator"]).distinct())


def open_flags(**kw):
    return OfficerChangeNeeded.objects.filter(resolved_at__isnull=True, **kw)


def move(user, code):
    user.department = Department.objects.get(code=code)
    user.save()


# --- Flags --------------------------------------------------------------------------------


@time_machine.travel(APRIL_1, tick=False)
def test_deactivation_flags_every_live_account_once_and_returning_resolves(users):
    operator = users["operator"]
    accounts = tourism(users)
    assert len(accounts) == 3
    close_account(accounts[0], users)  # closed accounts are not flagged
    operator.is_active = False
    operator.save()
    flags = open_flags(user=operator)
    assert {f.account_id for f in flags} == {a.pk for a in accounts[1:]}
    assert all(f.reason == "retired" and f.role == OfficerRole.OPERATOR for f in flags)
    assert all(f.holds_credentials for f in flags)  # R10: the demo operator holds them
    assert flags[0].detected_at == APRIL_1
    operator.save()  # idempotent: saving again flags nothing more
    operator.is_active = False
    operator.save()
    assert open_flags(user=operator).count() == 2
    operator.is_active = True
    operator.save()
    assert not open_flags(user=operator).exists()
    assert OfficerChangeNeeded.objects.filter(user=operator, resolution="returned").count() == 2


def test_a_move_flags_with_both_departments_and_moving_back_resolves(users):
    operator = users["operator"]
    move(operator, "511")
    flags = open_flags(user=operator)
    assert flags.count() == 3
    flag = flags.first()
    assert flag.reason == "moved"
    assert flag.reason_text == "異動（観光プロモーション課 → 危機管理課）"
    move(operator, "511")
    assert open_flags(user=operator).count() == 3
    move(operator, "411")
    assert not open_flags(user=operator).exists()


def test_head_move_flags_the_responsible_role(users):
    move(users["head"], "200")
    assert set(open_flags(user=users["head"]).values_list("role", flat=True)) == {"responsible"}


# --- One request fixes many accounts -------------------------------------------------------


def _flagged_page(client, user):
    client.force_login(user)
    return client.get(reverse("staff_personnel:changes"))


def test_one_request_replaces_the_officer_on_every_account_and_resolves_the_flags(
    client, users, django_capture_on_commit_callbacks
):
    operator, manager = users["operator"], users["manager"]
    successor = User.objects.create(
        username="yamada",
        last_name="山田",
        first_name="太郎",
        role=User.Role.STAFF,
        department=operator.department,
        title="主任",
    )
    move(operator, "511")
    page = _flagged_page(client, manager)
    assert "担当者の変更が必要なアカウント" in text_of(page)
    assert "異動（観光プロモーション課 → 危機管理課）" in text_of(page)
    flags = list(open_flags(user=operator))
    response = client.post(reverse("staff_personnel:changes"), {"flag": [f.pk for f in flags]})
    req = ApprovalRequest.objects.get(kind=RequestKind.OFFICERS)
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:request_edit", args=[req.pk])
    assert req.account is None
    assert req.department.code == "411"
    assert req.replacements.count() == 3
    # Every account in the open bulk change refuses another request (one open per account).
    with pytest.raises(InvalidTransition, match="担当者の変更（一括）"):
        services.request_create(kind=RequestKind.CHANGE, actor=manager, account=flags[0].account)
    # The edit page: successors typed, submitted.
    data = {}
    for r in req.replacements.all():
        data[f"replacements-r{r.pk}_user"] = str(successor.pk)
    edit = reverse("staff:request_edit", args=[req.pk])
    assert "の後任" in text_of(client.get(edit))
    response = client.post(edit, {**data, "action": "submit"})
    req.refresh_from_db()
    assert req.state == RequestState.AWAITING_HEAD, text_of(client.get(edit))
    detail = text_of(client.get(reverse("staff:request_detail", args=[req.pk])))
    assert "交代する担当者（現在 → 後任）" in detail
    assert "佐藤 花子" in detail
    assert "山田 太郎" in detail
    # The printable record shows the same rows (staff/_replacement_rows.html).
    printed = text_of(client.get(reverse("staff:request_print", args=[req.pk])))
    assert "佐藤 花子" in printed
    assert "山田 太郎" in printed
    with django_capture_on_commit_callbacks(execute=True):
        services.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
        services.request_decide(req=req, actor=users["pr"], action=Action.APPROVE)
    req.refresh_from_db()
    assert req.state == RequestState.APPROVED
    for flag in flags:
        assert set(
            Officer.objects.filter(account=flag.account, role="operator").values_list(
                "user_id", flat=True
            )
        ) == {successor.pk}
        history = Officer.history.filter(account_id=flag.account_id, user_id=successor.pk)
        assert history.exists()  # the officers' history records it
    assert not open_flags().exists()
    assert set(req.replacements.values_list("outcome", flat=True)) == {"replaced"}
    # The change request is possible again.
    services.request_create(kind=RequestKind.CHANGE, actor=manager, account=flags[0].account)


def test_accounts_of_different_departments_are_refused_with_a_message(client, users):
    # operator2 is an operator of the 防災 account too: both departments' accounts flagged.
    bousai = OfficialAccount.objects.get(identifier="sample_bousai")
    Officer.objects.create(account=bousai, role="operator", user=users["operator"])
    move(users["operator"], "211")
    flags = list(open_flags(user=users["operator"]))
    assert len({f.account.department_id for f in flags}) == 2
    client.force_login(users["pr"])  # the PR division sees both (and files for neither)
    page = client.get(reverse("staff_personnel:changes"))
    assert "防災" in text_of(page)
    assert "観光" in text_of(page)
    client.force_login(users["manager"])
    page = client.get(reverse("staff_personnel:changes"))
    assert "防災" not in text_of(page)  # not in the manager's scope
    from personnel import services as personnel_services

    with pytest.raises(InvalidTransition, match="運用部署が異なります"):
        personnel_services.fix_in_one_request(actor=users["operator2"], flags=flags)
    assert not ApprovalRequest.objects.filter(kind=RequestKind.OFFICERS).exists()


def test_an_account_with_an_open_request_is_not_selectable(client, users):
    account = tourism(users)[0]
    services.request_create(kind=RequestKind.CHANGE, actor=users["manager"], account=account)
    move(users["operator"], "511")
    client.force_login(users["manager"])
    flags = [f.pk for f in open_flags(user=users["operator"])]
    response = client.post(reverse("staff_personnel:changes"), {"flag": flags})
    assert response.status_code == 422
    assert "処理中の申請があるアカウント" in text_of(response)
    assert "checked" in response.content.decode()  # the selection is kept


def test_removing_an_operator_without_successor_needs_another_operator(users):
    account = tourism(users)[0]
    req_flags = None
    move(users["operator"], "511")
    from personnel import services as personnel_services

    req_flags = list(open_flags(user=users["operator"], account=account))
    req = personnel_services.fix_in_one_request(actor=users["manager"], flags=req_flags)
    r = req.replacements.get()
    with pytest.raises(ProposalInvalid) as info:
        services.request_submit(
            req=req, actor=users["manager"], data={f"replacements-r{r.pk}_remove": "on"}
        )
    assert "担当者が1人もいなくなります" in str(info.value.proposal.forms["replacements"].errors)


# --- Requests in flight keep working -----------------------------------------------------


def test_a_request_whose_requester_left_can_be_decided_and_withdrawn(users):
    account = tourism(users)[0]
    req = services.request_create(kind=RequestKind.CHANGE, actor=users["operator"], account=account)
    data = {**req.payload, "policy-operating_hours": "平日9時から17時", **CHECKLIST_ON}
    services.request_submit(req=req, actor=users["operator"], data=data)
    users["operator"].is_active = False
    users["operator"].save()
    services.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    req.refresh_from_db()
    assert req.state == RequestState.AWAITING_PR
    # The proposal still names the operator who left: the PR division returns it, and a
    # colleague of the department withdraws it.
    services.request_decide(req=req, actor=users["pr"], action=Action.RETURN, comment="後任を")
    services.request_withdraw(req=req, actor=users["manager"])
    req.refresh_from_db()
    assert req.state == RequestState.WITHDRAWN


def test_a_request_whose_officer_moved_is_approved(users):
    account = tourism(users)[0]
    req = services.request_create(kind=RequestKind.CHANGE, actor=users["manager"], account=account)
    data = {**req.payload, "policy-operating_hours": "平日9時から17時", **CHECKLIST_ON}
    services.request_submit(req=req, actor=users["manager"], data=data)
    move(users["operator"], "511")
    services.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    services.request_decide(req=req, actor=users["pr"], action=Action.APPROVE)
    req.refresh_from_db()
    assert req.state == RequestState.APPROVED


# --- The PR division's count and the reminders --------------------------------------------


def test_pr_division_sees_how_many_accounts_are_affected(client, users):
    with time_machine.travel(APRIL_1, tick=False):
        move(users["operator"], "511")
    client.force_login(users["pr"])
    page = text_of(client.get(reverse("staff:dashboard")))
    assert "担当者の変更が必要なアカウント（全庁） 3件" in page
    client.force_login(users["operator2"])
    assert "担当者の変更が必要" not in text_of(client.get(reverse("staff:dashboard")))
    # The 責任者 (head) is reminded, due two weeks after the move.
    items = selectors.reminders_for(users["head"], dt.date(2027, 4, 2))
    assert len(items) == 3
    assert {i.due_on for i in items} == {dt.date(2027, 4, 15)}
    everyone = list(selectors.reminders_everyone(dt.date(2027, 4, 2)))
    assert sorted(i.key for i in everyone) == sorted(i.key for i in items)


def test_when_the_responsible_leaves_the_head_over_the_department_is_reminded(users):
    """The 責任者 (経済観光局長) moves away: the reminder to replace them goes to the head over
    the accounts' department (観光部長), never to the person leaving."""
    bucho = User.objects.create_user(
        "kankobucho", role=User.Role.HEAD, department=Department.objects.get(code="410")
    )
    with time_machine.travel(APRIL_1, tick=False):
        move(users["head"], "200")
    everyone = selectors.reminders_everyone(dt.date(2027, 4, 2))
    assert len(everyone) == 3
    assert {i.recipient_id for i in everyone} == {bucho.pk}
    assert selectors.reminders_for(bucho, dt.date(2027, 4, 2)) == everyone
    assert selectors.reminders_for(users["head"], dt.date(2027, 4, 2)) == []


def test_an_account_with_its_responsible_by_name_only_still_reminds_someone(users):
    """健康づくり's officers are written as names only; its 管理者 becomes a member of staff who
    then retires: the head over 健康づくり課 is reminded."""
    kenko = OfficialAccount.objects.get(display_name__contains="健康づくり")
    Officer.objects.filter(account=kenko, role=OfficerRole.MANAGER).update(
        user=users["operator"], name=""
    )
    kyokucho = User.objects.create_user(
        "kenkokyokucho", role=User.Role.HEAD, department=Department.objects.get(code="300")
    )
    with time_machine.travel(APRIL_1, tick=False):
        users["operator"].is_active = False
        users["operator"].save()
    [item] = [
        i
        for i in selectors.reminders_everyone(dt.date(2027, 4, 2))
        if i.title.startswith(str(kenko))
    ]
    assert item.recipient_id == kyokucho.pk


# --- The CSV import ------------------------------------------------------------------------

HEADER = "ログインID,職員番号,姓,名,メール,所属コード,役割,職名,在職\r\n"


def csv_bytes(*rows: str, encoding="utf-8") -> bytes:
    return (HEADER + "".join(r + "\r\n" for r in rows)).encode(encoding)


APRIL = csv_bytes(
    "operator,１２３４５,佐藤,花子,operator@city.example.lg.jp,５１１,職員,主事,在職",
    "manager,,鈴木,一郎,manager@city.example.lg.jp,411,課長級,観光プロモーション課長,退職",
    "newbie,99999,新井,春子,newbie@city.example.lg.jp,411,職員,主事,在職",
    encoding="cp932",
)


def test_dry_run_changes_nothing_and_says_what_would(users, capsys):
    before = list(User.objects.values_list("username", "is_active", "department_id"))
    plan = imports.plan(APRIL)
    assert plan.ok, plan.errors
    assert (plan.count("create"), plan.count("change"), plan.count("deactivate")) == (1, 1, 1)
    assert plan.flagged_accounts == 3
    assert list(User.objects.values_list("username", "is_active", "department_id")) == before
    assert not OfficerChangeNeeded.objects.exists()


def test_import_applies_flags_and_is_idempotent(users, tmp_path, capsys):
    path = tmp_path / "april.csv"
    path.write_bytes(APRIL)
    call_command("import_staff", str(path), "--dry-run")
    assert "ドライラン" in capsys.readouterr().out
    assert not User.objects.filter(username="newbie").exists()
    call_command("import_staff", str(path))
    out = capsys.readouterr().out
    assert "担当者の変更が必要になるアカウント：3件" in out
    operator = User.objects.get(username="operator")
    assert operator.department.code == "511"
    assert operator.staff_number == "12345"
    assert not User.objects.get(username="manager").is_active
    assert User.objects.get(username="newbie").department.code == "411"
    assert open_flags(user=operator, reason="moved").count() == 3
    assert open_flags(user=users["manager"], reason="retired").count() == 3
    snapshot = list(User.objects.order_by("pk").values())
    flags = OfficerChangeNeeded.objects.count()
    call_command("import_staff", str(path))
    assert "変更なし3人" in capsys.readouterr().out
    assert list(User.objects.order_by("pk").values()) == snapshot
    assert OfficerChangeNeeded.objects.count() == flags


def test_missing_users_are_left_alone_unless_asked(users, tmp_path):
    data = csv_bytes("operator,,佐藤,花子,operator@city.example.lg.jp,411,職員,主事,在職")
    imports.apply(data)
    assert User.objects.get(username="operator2").is_active
    plan = imports.apply(data, deactivate_missing=True)
    assert not User.objects.get(username="operator2").is_active
    assert User.objects.get(username="admin").is_active  # never the system administrator
    assert plan.count("deactivate") >= 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"x" * (imports.MAX_BYTES + 1), "1MBまで"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "CSVファイルではない"),
        ("ログインID,姓\n".encode("utf-16"), "CSVファイルではない"),
        (b"ID,\x81\x7f\r\n", "文字コードを読み取れません"),
        (b"", "ファイルが空"),
        ("名前,所属\r\nfoo,bar\r\n".encode(), "見出し"),
    ],
)
def test_hostile_files_get_a_message(users, data, message):
    with pytest.raises(imports.ImportRefused, match=message):
        imports.plan(data)


def test_row_errors_name_the_row_and_column_and_nothing_is_applied(users):
    data = (
        "\ufeff"
        + HEADER
        + (
            "operator,,佐藤,花子,not-an-email,411,職員,主事,在職\r\n"
            "newbie,,新井,春子,,999,社長,主事,休職\r\n"
            "newbie,,新井,春子,,411,職員,主事,在職\r\n"
        )
    )
    plan = imports.apply(data.encode("utf-8"))
    messages = [str(e) for e in plan.errors]
    assert "2行目「メール」：メールアドレスの形式ではありません。" in messages
    assert "3行目「所属コード」：「999」という組織コードはありません。" in messages
    assert any(m.startswith("3行目「役割」") for m in messages)
    assert any(m.startswith("3行目「在職」") for m in messages)
    assert "4行目「ログインID」：3行目と重複しています。" in messages
    assert not User.objects.filter(username="newbie").exists()


def test_the_import_page_previews_then_applies(client, users):
    client.force_login(users["admin"])
    url = reverse("staff_personnel:import")
    template = client.get(reverse("staff_personnel:import_template"))
    assert template.content.startswith("\ufeffログインID".encode())
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("april.csv", APRIL, content_type="text/csv")
    page = client.post(url, {"file": upload})
    assert page.status_code == 200
    text = text_of(page)
    assert "まだ変更していません" in text
    assert "担当者の変更が必要になるアカウント：3件" in text
    assert not User.objects.filter(username="newbie").exists()
    token = page.context["token"]
    response = client.post(reverse("staff_personnel:import_apply"), {"token": token}, follow=True)
    assert "取り込みました" in text_of(response)
    assert User.objects.filter(username="newbie").exists()
    # A bad file: a message on the page, the form kept, never a 500.
    bad = SimpleUploadedFile("photo.csv", b"\x00\x01\x02", content_type="text/csv")
    response = client.post(url, {"file": bad, "deactivate_missing": "on"})
    assert response.status_code == 422
    assert "CSVファイルではない" in text_of(response)
    response = client.post(url, {})
    assert response.status_code == 422


# --- Every new URL for every demo role ------------------------------------------------------

ROLES = ["operator", "manager", "head", "pr", "prhead", "operator2", "head2", "admin", None]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_every_personnel_url_for_every_role(client, users, role):
    if role:
        client.force_login(users[role])
    pages = {
        "staff_personnel:changes": 200,
        "staff_personnel:import": 200 if role == "admin" else 403,
        "staff_personnel:import_template": 200 if role == "admin" else 403,
    }
    for name, expected in pages.items():
        response = client.get(reverse(name))
        if role is None:
            assert response.status_code == 302
            assert "/login/" in response["Location"]
        else:
            assert response.status_code == expected, (name, role)
    response = client.post(reverse("staff_personnel:import_apply"), {"token": "x"})
    if role is None:
        assert response.status_code == 302
        assert "/login/" in response["Location"]
    elif role == "admin":
        assert response["Location"] == reverse("staff_personnel:import")
    else:
        assert response.status_code == 403
