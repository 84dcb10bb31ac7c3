"""The printable record of a request (決裁用, issue 11 §5): a page to print and its PDF.

Whoever may see the request may see its record (``permissions.can_view_request``); the
record is assembled in ``approvals.printing``. Neither page changes anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.cache import never_cache

from approvals import permissions, printing
from approvals.models import ApprovalRequest
from core.rules import rule

if TYPE_CHECKING:
    from organization.permissions import StaffRequest

TEMPLATE = "staff/request_print.html"


def _requests() -> QuerySet[ApprovalRequest]:
    return ApprovalRequest.objects.select_related(
        "account__service", "department__parent__parent", "requester"
    )


def _context(req: ApprovalRequest, *, for_pdf: bool) -> dict:
    return {
        "req": req,
        "record": printing.request_record(req),
        "for_pdf": for_pdf,
        "printed_at": timezone.now(),
    }


@never_cache
@rule(permissions.can_view_request, load=_requests)
def request_print(request: StaffRequest, req: ApprovalRequest) -> HttpResponse:
    context = _context(req, for_pdf=False)
    context["pdf_available"] = printing.pdf_available()
    return render(request, TEMPLATE, context)


@never_cache
@rule(permissions.can_view_request, load=_requests)
def request_pdf(request: StaffRequest, req: ApprovalRequest) -> HttpResponse:
    if not printing.pdf_available():
        # Not an error page: the printed page still works (the browser's 「PDFに保存」 too).
        return render(request, "staff/request_pdf_unavailable.html", {"req": req})
    html = render_to_string(TEMPLATE, _context(req, for_pdf=True), request=request)
    data = printing.render_pdf(html, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = printing.content_disposition(req)
    response["Cache-Control"] = "no-store"  # internal rules and names: never kept by a cache
    return response
