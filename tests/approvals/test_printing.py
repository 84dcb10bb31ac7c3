"""The printable record of a request (決裁用, issue 11 §5): the page, its PDF, and who may
see them (every role: tests/approvals/test_url_access.py ``EXPECTED``)."""

from __future__ import annotations

import re
import zlib
from html import unescape
from urllib.parse import unquote

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Service
from approvals import printing, services
from approvals.models import Action, ApprovalRequest, RequestKind
from tests.approvals.conftest import filled_registration
from tests.workflow import CHECKLIST_ON, closure_form

pytestmark = pytest.mark.django_db

RETURN_REASON = "運用時間の根拠（勤務時間との関係）を書いてください。"


def _text(response) -> str:
    """The page as a reader sees it: tags removed, entities decoded, spaces folded."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def decided_registration(users) -> ApprovalRequest:
    """A registration returned once, submitted again, approved by both steps."""
    operator = users["operator"]
    req = services.request_create(kind=RequestKind.NEW, actor=operator)
    data = filled_registration(
        req.payload, users, **{"account-service": str(Service.objects.get(slug="x").pk)}
    )
    services.request_submit(req=req, actor=operator, data=data)
    services.request_decide(
        req=req, actor=users["head"], action=Action.RETURN, comment=RETURN_REASON
    )
    req.refresh_from_db()
    services.request_submit(req=req, actor=operator, data=data)
    services.request_decide(
        req=req, actor=users["head"], action=Action.APPROVE, comment="妥当です。"
    )
    services.request_decide(req=req, actor=users["pr"], action=Action.APPROVE)
    return ApprovalRequest.objects.get(pk=req.pk)


def change_request(users, account, **fields) -> ApprovalRequest:
    """A change request, submitted; by default it changes the operating hours (a change
    with no change is refused)."""
    req = services.request_create(kind=RequestKind.CHANGE, actor=users["operator"], account=account)
    fields = fields or {"policy-operating_hours": "毎日9時から18時まで投稿します。"}
    services.request_submit(
        req=req, actor=users["operator"], data={**req.payload, **CHECKLIST_ON, **fields}
    )
    return ApprovalRequest.objects.get(pk=req.pk)


# --- The page -------------------------------------------------------------------------------


def test_the_record_has_the_header_the_proposal_the_checklist_and_every_decision(client, users):
    req = decided_registration(users)
    client.force_login(users["manager"])  # may see the request, took no part in it
    response = client.get(reverse("staff:request_print", args=[req.pk]))
    assert response.status_code == 200
    text = _text(response)
    # Header: municipality, number, kind, title, department, requester, dates.
    assert "サンプル市 公式SNSアカウント台帳" in text
    assert "新規登録申請の記録（決裁用）" in text
    assert f"申請番号 #{req.pk}" in text
    assert "件名 サンプル市観光イベント" in text
    assert "申請する所属 経済観光局 観光部 観光プロモーション課" in text
    assert "申請者 佐藤 花子 （主事）" in text
    assert f"決定日時 {timezone.localtime(req.decided_at):%Y/%m/%d}" in text
    # The proposal in full: account fields, officers, policy, checklist with ticks.
    assert "https://x.com/kanko_event" in text
    assert "kanko@city.example.lg.jp" in text
    assert "責任者 高橋 健" in text
    assert "観光イベントの情報発信" in text
    assert re.search(r"レ R6：.*? 確認済み", text)
    assert text.count("確認済み") == 4  # R6, R7, R11, R14 (the default checklist)
    assert "未確認" not in text
    # Each decision: round, step, action, who (name and title), when, comment.
    assert re.search(
        r"1 所属長 差し戻し 高橋 健（経済観光局長） \d{4}/\d\d/\d\d \d\d:\d\d " + RETURN_REASON,
        text,
    )
    assert re.search(r"2 所属長 承認 高橋 健（経済観光局長） [\d/: ]+ 妥当です。", text)
    assert re.search(r"2 広報課 承認 田中 美咲", text)
    # The 決裁欄: both steps approved in the last round.
    page = response.content.decode()
    assert page.count("承認</span>") == 2
    assert "（未決裁）" not in page
    # On screen: the print button (shown by static/js/print.js) and the PDF link.
    assert 'id="print-button"' in page
    assert 'src="/static/js/print.js"' in page
    assert reverse("staff:request_pdf", args=[req.pk]) in page


def test_an_unticked_item_reads_as_unchecked(client, users):
    req = services.request_create(kind=RequestKind.NEW, actor=users["operator"])
    data = filled_registration(req.payload, users, **{"checklist-R14": None})
    services.request_save_draft(req=req, actor=users["operator"], data=data)
    client.force_login(users["operator"])
    text = _text(client.get(reverse("staff:request_print", args=[req.pk])))
    assert re.search(r"R14：.*? 未確認", text)
    assert text.count("確認済み") == 3
    assert "まだ提出されていません。" in text
    assert text.count("（未決裁）") == 2
    assert "提出回数 未提出" in text


def test_a_change_prints_only_what_changes_beside_what_is_public(client, users, tourism_account):
    req = change_request(users, tourism_account)
    client.force_login(users["head"])
    text = _text(client.get(reverse("staff:request_print", args=[req.pk])))
    comparison = text.split("変更内容（現在 → 変更後）")[1].split("申請内容")[0]
    assert "運用時間" in comparison
    assert "毎日9時から18時まで投稿します。" in comparison
    assert "午前8時30分から午後5時15分" in comparison  # what is public now
    assert "アカウント名" not in comparison  # unchanged rows stay out of the comparison


def test_a_decided_change_says_the_comparison_is_no_longer_made(client, users, tourism_account):
    req = change_request(users, tourism_account)
    services.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    services.request_decide(req=req, actor=users["pr"], action=Action.APPROVE)
    client.force_login(users["pr"])
    text = _text(client.get(reverse("staff:request_print", args=[req.pk])))
    assert "この変更は承認され、反映済みです。" in text


@pytest.mark.parametrize("outcome", ["reject", "withdraw"])
def test_a_rejected_or_withdrawn_change_is_never_printed_as_applied(
    client, users, tourism_account, outcome
):
    """The 決裁 file must not say a change took effect when it was refused or taken back."""
    req = change_request(users, tourism_account)
    if outcome == "reject":
        services.request_decide(
            req=req, actor=users["head"], action=Action.REJECT, comment="今回は見送ります。"
        )
        expected = "この変更は却下されたため、アカウントには反映されていません。"
    else:
        services.request_withdraw(req=req, actor=users["operator"])
        expected = "この変更は取り下げられたため、アカウントには反映されていません。"
    client.force_login(users["pr"])
    text = _text(client.get(reverse("staff:request_print", args=[req.pk])))
    assert expected in text
    assert "反映済み" not in text


def test_a_closure_prints_its_fields_and_confirmations(client, users, tourism_account):
    req = services.request_create(
        kind=RequestKind.CLOSURE, actor=users["operator"], account=tourism_account
    )
    services.request_submit(req=req, actor=users["operator"], data=closure_form())
    client.force_login(users["pr"])
    text = _text(client.get(reverse("staff:request_print", args=[req.pk])))
    assert "廃止申請の記録（決裁用）" in text
    assert "廃止の理由 事業終了のため" in text
    assert "Instagram「サンプル市観光」 https://www.instagram.com/sample_city_kanko/" in text
    assert re.search(r"レ これまでの投稿・コメントを削除した.*? 確認済み", text)
    assert "運用ポリシー（公開）" not in text


def test_the_request_page_links_to_the_record(client, users, tourism_account):
    req = change_request(users, tourism_account)
    client.force_login(users["operator"])
    page = client.get(reverse("staff:request_detail", args=[req.pk])).content.decode()
    assert f'href="{reverse("staff:request_print", args=[req.pk])}"' in page
    assert "印刷用の記録（決裁用）" in page


@pytest.mark.parametrize("name", ["staff:request_print", "staff:request_pdf"])
@pytest.mark.parametrize("pk", ["0", "99999999999999999999", "9223372036854775808", "-1", "1x"])
def test_hostile_request_numbers_are_not_found_never_500(client, users, name, pk):
    client.force_login(users["pr"])
    path = reverse(name, args=[1]).replace("/1/", f"/{pk}/")
    assert client.get(path).status_code == 404


# --- The PDF --------------------------------------------------------------------------------


def pdf_objects(data: bytes) -> str:
    """The PDF's objects as text, its (compressed) object streams inflated."""
    text = data.decode("latin-1")
    for body in re.findall(r"stream\r?\n(.*?)endstream", data.decode("latin-1"), re.S):
        try:
            text += zlib.decompress(body.encode("latin-1")).decode("latin-1")
        except zlib.error:
            continue
    return text


def pdf_page_count(data: bytes) -> int:
    """The /Count of the page tree."""
    text = pdf_objects(data)
    counts = re.findall(r"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", text)
    counts += re.findall(r"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", text)
    assert counts, "no page tree found"
    return max(int(c) for c in counts)


def test_the_pdf_is_a_pdf_with_a_japanese_file_name_and_no_caching(client, users):
    req = decided_registration(users)
    client.force_login(users["head"])
    response = client.get(reverse("staff:request_pdf", args=[req.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    data = response.content
    assert data.startswith(b"%PDF-")
    assert pdf_page_count(data) >= 1
    # The installed IPA font, embedded (a subset), not a fallback without Japanese glyphs.
    assert re.search(r"/BaseFont\s*/[A-Z]{6}\+IPAGothic", pdf_objects(data))
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="request-{req.pk}-record.pdf"' in disposition
    japanese = re.search(r"filename\*=UTF-8''(\S+)", disposition)
    assert japanese
    assert unquote(japanese.group(1)) == f"申請{req.pk}_決裁用記録.pdf"
    assert "no-store" in response["Cache-Control"]


def test_without_weasyprint_the_link_is_hidden_and_the_pdf_url_explains(client, users, monkeypatch):
    """Pango missing: importing WeasyPrint raises OSError; the loader answers None."""
    monkeypatch.setattr(printing, "load_weasyprint", lambda: None)
    req = decided_registration(users)
    client.force_login(users["operator"])
    page = client.get(reverse("staff:request_print", args=[req.pk])).content.decode()
    assert reverse("staff:request_pdf", args=[req.pk]) not in page
    assert "印刷する" in page
    response = client.get(reverse("staff:request_pdf", args=[req.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    text = _text(response)
    assert "この環境ではPDFを作成できません" in text
    assert "PDFに保存" in text
    assert reverse("staff:request_print", args=[req.pk]) in response.content.decode()


def test_the_loader_answers_none_when_the_import_fails_with_oserror(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pango(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(__import__("sys").modules, "weasyprint", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_pango)
    assert printing.load_weasyprint() is None
    assert printing.pdf_available() is False


BASE = "http://testserver/"


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/static/css/print.css",  # another host
        "https://testserver/static/css/print.css",  # another scheme
        "file:///etc/passwd",
        "http://testserver/staff/requests/1/",  # not a static file
        "http://testserver/static/../config/settings/base.py",
        "http://testserver/static/%2e%2e/manage.py",
        "http://testserver/static/css/nothing-here.css",
        "http://testserver/static/",
    ],
)
def test_the_pdf_may_read_only_the_sites_static_files(url):
    assert printing.static_file(url, base_url=BASE) is None


def test_the_stylesheet_is_read_from_disk():
    path = printing.static_file("http://testserver/static/css/print.css", base_url=BASE)
    assert path is not None
    assert "@page" in path.read_text(encoding="utf-8")


def test_the_fetcher_refuses_the_network():
    weasyprint = printing.load_weasyprint()
    if weasyprint is None:
        pytest.skip("WeasyPrint cannot be loaded here")
    fetcher = printing._fetcher_class(weasyprint)(BASE)
    with pytest.raises(ValueError, match="not one of the site's static files"):
        fetcher.fetch("https://fonts.googleapis.com/css2?family=Noto+Sans+JP")
    css = fetcher.fetch("http://testserver/static/css/print.css")
    assert b"@page" in css.read()
    assert css.content_type == "text/css"
