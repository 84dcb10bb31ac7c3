"""The read-only open-data API (no key, CORS open for GET)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import generics, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors
from api.serializers import (
    AccountDetailSerializer,
    AccountSerializer,
    VerdictSerializer,
    former_data,
)
from core.municipality import get_municipality
from impersonation.verification import (
    CLOSED,
    IMPERSONATION,
    OFFICIAL,
    POST,
    POST_MESSAGE,
    RENAMED,
    SUSPENDED,
    UNREADABLE,
    renamed_message,
    verify,
)
from policies.models import OperationPolicy, PolicyStatus

LIST_FILTERS = [
    OpenApiParameter(
        "service", str, description=gettext_lazy("サービスの識別子（x, instagram, …）")
    ),
    OpenApiParameter(
        "department", int, description=gettext_lazy("運用部署のID（下位の組織を含む）")
    ),
    OpenApiParameter(
        "q",
        str,
        description=gettext_lazy("キーワード（全角・半角、ひらがな・カタカナを区別しません）"),
    ),
]


class Pagination(PageNumberPagination):
    django_paginator_class = selectors.ListPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


NOT_FOUND = OpenApiResponse(
    inline_serializer("NotFound", {"detail": serializers.CharField()}),
    description=gettext_lazy(
        "ありません（存在しないID、公開されていないアカウント、最後より後のページ）"
    ),
)


@extend_schema(
    summary=gettext_lazy("公式アカウントの一覧"),
    parameters=LIST_FILTERS,
    responses={200: AccountSerializer(many=True), 404: NOT_FOUND},
)
class AccountList(generics.ListAPIView):
    serializer_class = AccountSerializer
    pagination_class = Pagination

    def get_queryset(self):
        return selectors.listed_matching(selectors.ListFilter.from_query(self.request.query_params))


@extend_schema(
    summary=gettext_lazy("公式アカウント（廃止したものを含む）と運用ポリシー"),
    responses={200: AccountDetailSerializer, 404: NOT_FOUND},
)
class AccountDetail(generics.RetrieveAPIView):
    serializer_class = AccountDetailSerializer

    def get_queryset(self):
        versions = OperationPolicy.objects.filter(status=PolicyStatus.PUBLISHED).order_by(
            "-version"
        )
        return selectors.public_accounts().prefetch_related(
            Prefetch("policies", queryset=versions, to_attr="published")
        )

    def retrieve(self, request, *args, **kwargs):
        account = self.get_object()
        serializer = self.get_serializer(
            account, context={**self.get_serializer_context(), "versions": account.published}
        )
        return Response(serializer.data)


def _closing_note(account) -> str:
    """Issue 10 §5: 「◯月◯日に廃止予定です。」 while a closure for a later day is pending."""
    if account.closes_on is None or not account.is_public:
        return ""
    return _("%(date)sに廃止予定です。") % {
        "date": date_format(account.closes_on, _("Y年n月j日")),
    }


def _suspended_message(result, name: str) -> str:
    """R18 (001 §8(4)): official but suspended — the warning first, then the notice."""
    where = pgettext("list separator", "、").join(
        f"{a.service.name}（{a.key.display_handle}）" for a in result.accounts
    )
    message = _(
        "%(where)sは%(name)sの公式アカウントですが、現在一時停止しています。"
        "このアカウントの投稿やメッセージを信用せず、リンクを開かないでください。"
    ) % {"where": where, "name": name}
    for account in result.accounts:
        if account.suspension_notice:
            message += _("お知らせ：%(notice)s") % {"notice": account.suspension_notice}
    return message


def _message(result, name: str) -> str:
    """The answer in one or two Japanese sentences (the page says the same, at more length)."""
    key = result.key
    if result.verdict == OFFICIAL and result.bare:
        where = pgettext("list separator", "、").join(
            f"{a.service.name}（{a.key.display_handle}）" for a in result.accounts
        )
        message = _("%(where)sは%(name)sの公式アカウントです。") % {"where": where, "name": name}
        if result.other_services:
            message += _("ほかのサービスの同じIDは公式アカウントではありません。")
        return message + "".join(
            _("%(service)s：%(note)s") % {"service": a.service.name, "note": note}
            for a in result.accounts
            if (note := _closing_note(a))
        )
    if result.verdict == OFFICIAL:
        message = _("%(name)sの公式アカウントです（%(service)s %(handle)s）。") % {
            "name": name,
            "service": result.account.service.name,
            "handle": key.display_handle,
        }
        return message + _closing_note(result.account)
    if result.verdict == SUSPENDED:
        return _suspended_message(result, name)
    if result.verdict == POST:
        return POST_MESSAGE.format(handle=key.display_handle, name=name)
    if result.verdict == RENAMED:
        return renamed_message(result, name)
    if result.verdict == CLOSED:
        return _("以前の%(name)sの公式アカウントです（廃止済み）。現在は公式ではありません。") % {
            "name": name
        }
    if result.verdict == IMPERSONATION:
        return _("%(name)sの公式アカウントになりすましたアカウントです。ご注意ください。") % {
            "name": name
        }
    if result.verdict == UNREADABLE:
        if result.suggestions:
            return _(
                "名前だけでは確かめられません（名前は誰でも名乗れます）。"
                "この名前を含む%(name)sの公式アカウントは suggestions のとおりです。"
                "アカウントのURLか @ID がそれと一致するか確かめてください。"
            ) % {"name": name}
        return result.reason
    message = result.reason or _("%(name)sの公式アカウントとして登録されていません。") % {
        "name": name
    }
    if result.lookalike:
        message += _("このアドレスはSNSのドメインによく似た別のサイトです。")
    return message


def _service_match(match) -> dict:
    return {
        "service": match.key.service,
        "service_name": match.service_name,
        "identifier": match.key.identifier,
        "handle": match.key.display_handle,
        "verdict": match.verdict,
        "account": AccountSerializer(match.account).data if match.account else None,
        "former": former_data(match.former),
    }


@extend_schema(
    summary=gettext_lazy("URLや@IDが公式アカウントかどうかを確かめる"),
    parameters=[
        OpenApiParameter("q", str, required=True, description=gettext_lazy("URL、@ID など何でも"))
    ],
    responses=VerdictSerializer,
)
class Verify(APIView):
    def get(self, request):
        result = verify(request.query_params.get("q", ""))
        fake = result.impersonation
        matches = AccountSerializer(result.accounts, many=True).data
        data = {
            "verdict": result.verdict,
            "query": result.query,
            "key": str(result.key) if result.key else None,
            "account": matches[0] if matches else None,
            "matches": matches,
            "services": [_service_match(m) for m in result.services],
            "suggestions": AccountSerializer(result.suggestions, many=True).data,
            "impersonation": {
                "service": fake.service.slug,
                "identifier": fake.identifier,
                "url": fake.url,
                "warning": fake.warning,
                "found_on": serializers.DateField().to_representation(fake.found_on),
            }
            if fake
            else None,
            "former": former_data(result.former),
            "message": _message(result, get_municipality().name),
        }
        return Response(data)
