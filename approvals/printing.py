"""The printable record of one request (決裁用, issue 11 §5), on paper or as a PDF.

``request_record`` assembles everything a 決裁 file keeps: who asked for what and when, the
proposal in full (the account, its officers, the public policy, the internal rules, the
checklist with each item ticked — or the closure's and the resumption's confirmations), for a
change the comparison with what is public now (``approvals.diff``), and every decision with
its step, who, when and comment (R1, R2). The page ``staff/request_print.html`` shows it; its
print stylesheet (``static/css/print.css``) lays it out on A4.

The PDF is the same page rendered by WeasyPrint with the IPA fonts installed on the server
(named in the stylesheet, nothing downloaded). WeasyPrint is loaded when first asked for:
without its system libraries (Pango) the import fails with OSError, and the product says so
instead of offering a link that cannot work. While rendering, WeasyPrint may read the
project's own static files and nothing else — no network, no file outside them.
"""

from __future__ import annotations

import mimetypes
import posixpath
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from django import forms
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.utils.translation import gettext as _

from approvals.diff import Row, compare, display_value
from approvals.models import (
    Action,
    ApprovalRequest,
    Decision,
    RequestKind,
    RequestState,
    Step,
)
from approvals.officers import ReplacementsForm
from approvals.proposal import Proposal

# --- The record ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One field of the proposal: a value, or (``checked`` not None) a box ticked or not."""

    label: str
    value: str = ""
    checked: bool | None = None


@dataclass(frozen=True)
class OfficerLine:
    role: str
    name: str
    title: str
    holds_credentials: bool | None  # None: the deployment does not ask (R10 off)


@dataclass
class Section:
    key: str  # "account", "officers", "policy", "rules", "checklist", "closure", …
    title: str
    items: list[Item] = field(default_factory=list)
    officers: list[OfficerLine] = field(default_factory=list)
    replacements: list[dict[str, Any]] = field(default_factory=list)  # officers.lines

    @property
    def texts(self) -> list[Item]:
        return [i for i in self.items if i.checked is None]

    @property
    def checks(self) -> list[Item]:
        """The boxes (the checklist, the closure's and resumption's confirmations), printed
        as a list of ticks after the values."""
        return [i for i in self.items if i.checked is not None]


@dataclass(frozen=True)
class SignOff:
    """One box of the 決裁欄: the step, and who approved it in the latest round (if anyone)."""

    step: str
    decision: Decision | None


@dataclass
class Record:
    request: ApprovalRequest
    sections: list[Section]
    decisions: list[Decision]
    sign_off: list[SignOff]
    # A change: (section title, the rows that change), while the request is open.
    changes: list[tuple[str, list[Row]]]
    # An approved change: what is public now already is the proposal; no comparison to make.
    changes_applied: bool
    # A rejected or withdrawn change: it never reached the account.
    changes_dropped: bool = False


def _ticked(form: forms.BaseForm, name: str) -> bool:
    return form[name].value() in (True, "on", "true", "True")


def _items(form: forms.BaseForm) -> list[Item]:
    """Each field as the approvers read it (``display_value``); a box as ticked or not."""
    return [
        Item(str(f.label), checked=_ticked(form, name))
        if isinstance(f, forms.BooleanField)
        else Item(str(f.label), display_value(f, form, name))
        for name, f in form.fields.items()
    ]


def _officers(proposal: Proposal) -> list[OfficerLine]:
    """The officers as typed (a draft's invalid row too), without empty or deleted rows."""
    lines = []
    for form in proposal.officers.forms:
        if "DELETE" in form.fields and _ticked(form, "DELETE"):
            continue
        user = display_value(form.fields["user"], form, "user")
        name = user or display_value(form.fields["name"], form, "name")
        if not name:
            continue  # an empty row
        lines.append(
            OfficerLine(
                role=display_value(form.fields["role"], form, "role"),
                name=name,
                title=display_value(form.fields["title"], form, "title"),
                holds_credentials=(
                    _ticked(form, "holds_credentials")
                    if "holds_credentials" in form.fields
                    else None
                ),
            )
        )
    return lines


def _sections(proposal: Proposal) -> list[Section]:
    out = []
    for key, title, form in proposal.sections:
        section = Section(key=key, title=title)
        if key == "officers":
            section.officers = _officers(proposal)
        elif isinstance(form, ReplacementsForm):
            section.replacements = form.lines()
        elif isinstance(form, forms.BaseForm):
            section.items = _items(form)
        out.append(section)
    return out


def _sign_off(req: ApprovalRequest, decisions: list[Decision]) -> list[SignOff]:
    approved = {d.step: d for d in decisions if d.round == req.round and d.action == Action.APPROVE}
    return [SignOff(str(s.label), approved.get(s.value)) for s in (Step.HEAD, Step.PR)]


def request_record(req: ApprovalRequest) -> Record:
    """Everything the printed record shows, read once (the proposal as the requester typed
    it, validated as the approvers see it)."""
    proposal = Proposal.of(req, user=req.requester)
    decisions = list(req.decisions.select_related("actor").order_by("created_at", "pk"))
    changes: list[tuple[str, list[Row]]] = []
    if req.kind == RequestKind.CHANGE and req.is_open:
        changes = [
            (title, changed)
            for title, rows in compare(req, user=req.requester)
            if (changed := [r for r in rows if r.changed])
        ]
    return Record(
        request=req,
        sections=_sections(proposal),
        decisions=decisions,
        sign_off=_sign_off(req, decisions),
        changes=changes,
        # Only an approved change reached the account; a rejected or withdrawn one never did.
        changes_applied=req.kind == RequestKind.CHANGE and req.state == RequestState.APPROVED,
        changes_dropped=req.kind == RequestKind.CHANGE
        and req.state in (RequestState.REJECTED, RequestState.WITHDRAWN),
    )


# --- The PDF -------------------------------------------------------------------------------


class PdfUnavailable(Exception):
    """WeasyPrint (or the system libraries it needs) is not installed on this server."""


def load_weasyprint() -> ModuleType | None:
    """WeasyPrint, or None when it cannot be loaded: the import raises OSError when Pango is
    missing (tests replace this function to see that path)."""
    try:
        import weasyprint  # type: ignore[import-untyped]  # no type hints
    except (ImportError, OSError):
        return None
    return weasyprint


def pdf_available() -> bool:
    return load_weasyprint() is not None


def static_file(url: str, *, base_url: str) -> Path | None:
    """The local file of one of the project's static files named by ``url`` (on the site
    of ``base_url``), or None for anything else: another host, another scheme, a path
    outside STATIC_URL, or one that climbs out of it."""
    parts, base = urlsplit(url), urlsplit(base_url)
    if parts.scheme not in ("http", "https") or (parts.scheme, parts.netloc) != (
        base.scheme,
        base.netloc,
    ):
        return None
    # The path the template's {% static %} produces (SCRIPT_NAME and an absolute STATIC_URL
    # included), so the fetcher accepts exactly the files the page links to.
    prefix = urlsplit(static("")).path
    path = unquote(parts.path)
    if not path.startswith(prefix) or "\x00" in path:
        return None
    relative = posixpath.normpath(path.removeprefix(prefix))
    if relative.startswith(("/", "..")) or relative == ".":
        return None
    found = finders.find(relative)
    if isinstance(found, list):
        found = found[0] if found else None
    return Path(found) if found else None


@cache
def _fetcher_class(weasyprint: ModuleType) -> type:
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]

    class StaticFilesOnly(URLFetcher):
        """Serve the project's static files from disk; refuse every other URL (WeasyPrint
        logs the refusal and renders without it)."""

        def __init__(self, base_url: str) -> None:
            super().__init__(allowed_protocols=("http", "https"), allow_redirects=False)
            self.base_url = base_url

        def fetch(self, url: str, headers: Any = None) -> Any:
            path = static_file(url, base_url=self.base_url)
            if path is None:
                raise ValueError(f"not one of the site's static files: {url[:200]}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                url, body=path.read_bytes(), headers={"Content-Type": content_type}
            )

    return StaticFilesOnly


def render_pdf(html: str, *, base_url: str) -> bytes:
    """The record page as a PDF (A4, the print stylesheet, the IPA fonts)."""
    weasyprint = load_weasyprint()
    if weasyprint is None:
        raise PdfUnavailable
    fetcher = _fetcher_class(weasyprint)(base_url)
    document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    return bytes(document.write_pdf())


def pdf_filename(req: ApprovalRequest) -> tuple[str, str]:
    """(ASCII fallback, Japanese name) for Content-Disposition."""
    return (
        f"request-{req.pk}-record.pdf",
        _("申請%(number)s_決裁用記録.pdf") % {"number": req.pk},
    )


def content_disposition(req: ApprovalRequest) -> str:
    """RFC 6266: a plain ASCII name for old clients and the Japanese one as ``filename*``."""
    ascii_name, name = pdf_filename(req)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
