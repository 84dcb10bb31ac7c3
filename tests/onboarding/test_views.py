"""The staff pages of the import (issue 11 §1): upload → dry-run report → confirm → result,
who may use them, hostile uploads (never a 500), the template files, the command."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from accounts.models import AccountStatus, OfficialAccount, Service
from onboarding import columns as c
from onboarding import template_file
from onboarding.models import AccountImport, ImportedAccount
from tests.onboarding.conftest import csv_file, good_row, text_of, xlsx_file

pytestmark = pytest.mark.django_db

UPLOAD = "staff_import:upload"


def upload(client, data: bytes, name: str = "台帳.csv"):
    return client.post(reverse(UPLOAD), {"file": SimpleUploadedFile(name, data)})


# --- Who may ------------------------------------------------------------------------------

PAGES = ["staff_import:upload", "staff_import:history", "staff_import:template_xlsx"]
PAGES += ["staff_import:template_csv"]


@pytest.mark.parametrize("name", [*PAGES, "staff_import:detail"])
@pytest.mark.parametrize(
    ("role", "status"),
    [(None, 302), ("operator", 403), ("head", 403), ("admin", 403), ("prhead", 403), ("pr", 200)],
)
def test_only_the_pr_division_may_import(client, users, name, role, status):
    batch = AccountImport.objects.create(file_name="a.csv", file_sha256="0" * 64)
    if role:
        client.force_login(users[role])
    kwargs = {"pk": batch.pk} if name == "staff_import:detail" else None
    path = reverse(name, kwargs=kwargs)
    response = client.get(path)
    assert response.status_code == status
    if role is None:
        assert response["Location"] == f"{reverse('staff:login')}?next={path}"


def test_the_nav_link_is_for_the_pr_division(client, users):
    client.force_login(users["pr"])
    assert "取り込み</a>" in client.get(reverse("staff:dashboard")).content.decode()
    client.force_login(users["admin"])
    assert "取り込み</a>" not in client.get(reverse("staff:dashboard")).content.decode()


# --- The journey --------------------------------------------------------------------------


def test_upload_report_confirm_result_and_the_public_list(import_as_pr, users):
    rows = [good_row(), good_row(**{c.SERVICE: "youtube", c.URL: "youtube.com/@samplecitykanko"})]
    page = upload(import_as_pr, xlsx_file(*rows), "既存台帳.xlsx")
    assert page.status_code == 200
    text = text_of(page)
    assert "確認結果：既存台帳.xlsx（まだ何も登録していません）" in text
    assert "2行：登録する2件、登録済み（変更なし）0件" in text
    assert "2件を取り込む" in text
    assert rows[1][c.NAME] in text
    assert "@samplecitykanko" in text
    assert not OfficialAccount.objects.filter(display_name=rows[0][c.NAME]).exists()

    # A citizen's list, cached before the import, is stale after it (core.cache.bump).
    citizen = Client()
    assert rows[0][c.NAME] not in text_of(citizen.get(reverse("public:account_list")))

    done = import_as_pr.post(
        reverse("staff_import:confirm"), {"token": page.context["token"]}, follow=True
    )

    batch = AccountImport.objects.get()
    assert done.redirect_chain[-1][0] == reverse("staff_import:detail", args=[batch.pk])
    text = text_of(done)
    assert "2件のアカウントを取り込み、公開しました" in text
    assert "既存台帳.xlsx" in text
    assert "田中 美咲" in text
    account = OfficialAccount.objects.get(display_name=rows[0][c.NAME])
    assert reverse("staff_accounts:detail", args=[account.pk]) in done.content.decode()
    assert reverse("public:account_detail", args=[account.pk]) in done.content.decode()
    # The staff account page says how it got there.
    detail = text_of(import_as_pr.get(reverse("staff_accounts:detail", args=[account.pk])))
    assert "台帳の導入前に承認済み（移行登録）：既存台帳.xlsx を 田中 美咲 が" in detail
    assert "に取り込み（2行目）" in detail
    # Citizens see it, and the verifier says it is official.
    assert rows[0][c.NAME] in text_of(citizen.get(reverse("public:account_list")))
    verify = citizen.get(reverse("api-verify"), {"q": rows[0][c.URL]}).json()
    assert verify["verdict"] == "official"
    page = text_of(citizen.get(reverse("public:verify"), {"q": rows[0][c.URL]}))
    assert rows[0][c.NAME] in page
    # The same file again: nothing to import.
    again = upload(import_as_pr, xlsx_file(*rows), "既存台帳.xlsx")
    assert "登録済み（変更なし）2件" in text_of(again)
    assert "取り込むものはありません" in text_of(again)
    assert "confirm-form" not in again.content.decode()
    assert ImportedAccount.objects.count() == 2
    history = text_of(import_as_pr.get(reverse("staff_import:history")))
    assert "既存台帳.xlsx" in history
    assert "田中 美咲" in history


def test_a_file_with_errors_shows_them_first_and_offers_no_import(import_as_pr):
    page = upload(import_as_pr, csv_file(good_row(), good_row(**{c.DEPARTMENT: "999"})))
    assert page.status_code == 422
    text = text_of(page)
    assert "誤りが1件あります。1件でも誤りがあるファイルは取り込みません" in text
    assert "3行目 所属 「999」という組織" in text
    assert text.index("誤りのある行") < text.index("誤りのない行（1件、誤りを直すと登録できます）")
    assert "confirm-form" not in page.content.decode()
    assert "onboarding_import" not in import_as_pr.session


def test_the_confirmation_refuses_when_the_registry_changed(import_as_pr, users):
    rows = [good_row(), good_row()]
    page = upload(import_as_pr, csv_file(*rows))
    OfficialAccount.objects.create(
        service=Service.objects.get(slug="instagram"),
        identifier=rows[1][c.URL].rstrip("/").rsplit("/", 1)[1],
        url=rows[1][c.URL],
        display_name="サンプル市先に登録",
        department=users["operator"].department,
        purpose="先に登録されました。",
        registration_email="a@city.example.lg.jp",
        status=AccountStatus.PENDING,
    )
    response = import_as_pr.post(reverse("staff_import:confirm"), {"token": page.context["token"]})
    assert response.status_code == 409
    text = text_of(response)
    assert "確認の後に台帳が変わったため" in text
    assert "登録の申請中です" in text
    assert not AccountImport.objects.exists()
    assert not OfficialAccount.objects.filter(display_name=rows[0][c.NAME]).exists()


def test_a_stale_or_forged_token_imports_nothing(import_as_pr):
    upload(import_as_pr, csv_file(good_row()))
    response = import_as_pr.post(reverse("staff_import:confirm"), {"token": "forged"}, follow=True)
    assert "確認した内容が見つかりません" in text_of(response)
    assert not AccountImport.objects.exists()


# --- Hostile uploads ----------------------------------------------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def _bomb() -> bytes:
    """A workbook whose sheet inflates to 300 MB (a few hundred KB on the wire)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", b"<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            chunk = b"<row>" + b" " * (1024 * 1024)
            for _ in range(300):
                f.write(chunk)
    return out.getvalue()


def _many_rows() -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(list(c.COLUMNS))
    for i in range(20_001):
        sheet.append(["x", f"@a{i}"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


HOSTILE = {
    "empty": (b"", "ファイルが空です"),
    "blank": (b"\r\n \r\n", "ファイルが空です"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "文字以外のデータが含まれています"),
    "nul": ("サービス,URLまたは@ID\x00".encode(), "文字以外のデータが含まれています"),
    "bad-encoding": (b"\x80\x81\xfd\xfe\xff,abc\r\n", "文字コードを読み取れません"),
    "one-mb-line": (b"a" * 1_000_000, "長すぎる欄"),
    "no-header": (csv_file().split(b"\r\n", 1)[1] + b"x,y\r\n", "見出し"),
    "xls-renamed": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "古いExcel形式（.xls）"),
    "xlsm": (_zip({"xl/workbook.xml": b"<w/>", "xl/vbaProject.bin": b"x"}), "マクロ"),
    "zip-not-xlsx": (_zip({"a.txt": b"hello"}), "Excelファイル（.xlsx）ではありません"),
    "broken-xlsx": (_zip({"xl/workbook.xml": b"<not xml"}), "壊れています"),
    "too-large": (b"a,b\r\n" * (5 * 1024 * 1024 // 4), "大きすぎます（5MBまで）"),
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_uploads_get_a_japanese_message_never_a_500(import_as_pr, kind):
    data, message = HOSTILE[kind]
    name = "台帳.xlsx" if kind.startswith(("xls", "zip", "broken")) else "台帳.csv"
    response = upload(import_as_pr, data, name)
    assert response.status_code == 422
    assert message in text_of(response)
    assert not AccountImport.objects.exists()


def test_a_zip_bomb_and_a_workbook_of_too_many_rows_are_refused(import_as_pr):
    response = upload(import_as_pr, _bomb(), "bomb.xlsx")
    assert response.status_code == 422
    assert "中身が大きすぎます" in text_of(response)
    response = upload(import_as_pr, _many_rows(), "many.xlsx")
    assert response.status_code == 422
    assert "行が多すぎます（20,000行まで）" in text_of(response)


def test_a_hostile_file_name_is_shown_and_stored_clean(import_as_pr):
    page = upload(import_as_pr, csv_file(good_row()), "..\\..\\etc/台帳\x1b[31m.csv")
    assert "確認結果：台帳[31m.csv" in text_of(page)
    import_as_pr.post(reverse("staff_import:confirm"), {"token": page.context["token"]})
    assert AccountImport.objects.get().file_name == "台帳[31m.csv"


# --- The template files and the command ---------------------------------------------------


def test_the_templates_have_the_columns_and_an_example_row_that_imports(import_as_pr, users):
    xlsx = import_as_pr.get(reverse("staff_import:template_xlsx"))
    assert xlsx["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True).worksheets[0]
    header, example = list(sheet.iter_rows(values_only=True))[:2]
    assert list(header) == list(c.COLUMNS)
    assert example[0] == "Instagram"
    csv = import_as_pr.get(reverse("staff_import:template_csv"))
    assert csv.content.startswith("\ufeffサービス,URLまたは@ID".encode())
    for data in (xlsx.content, csv.content):
        page = upload(import_as_pr, data, "ひな形")
        assert "登録する1件" in text_of(page), text_of(page)[:2000]


def test_the_command_prints_the_report_and_imports(users, tmp_path, capsys):
    path = tmp_path / "台帳.csv"
    rows = [good_row(), good_row()]
    path.write_bytes(csv_file(*rows))
    call_command("import_accounts", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "2行目 登録する：Instagram" in out
    assert "ドライラン" in out
    assert not AccountImport.objects.exists()
    call_command("import_accounts", str(path), "--user", "pr")
    assert "2件を取り込みました" in capsys.readouterr().out
    batch = AccountImport.objects.get()
    assert batch.imported_by == users["pr"]
    assert batch.file_name == "台帳.csv"
    call_command("import_accounts", str(path))
    assert "新しく登録するアカウントはありませんでした" in capsys.readouterr().out
    with pytest.raises(CommandError, match="広報担当課の職員ではない"):
        call_command("import_accounts", str(path), "--user", "admin")
    path.write_bytes(csv_file(good_row(**{c.BADGE: "?"})))
    with pytest.raises(CommandError, match="誤りが1件あります"):
        call_command("import_accounts", str(path))
    assert "2行目「認証バッジ」" in capsys.readouterr().err
    assert template_file.csv_bytes()  # the template builds without a database row
