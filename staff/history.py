"""The change history of an account, its officers, internal rules and policies (issue 3 §6).

django-simple-history keeps a row per save; this module turns them into what a member of
staff reads: when, what, which fields, who. Read-only: nothing here can rewrite history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Officer, OfficerRole, OfficialAccount
from policies.models import OperationPolicy, OperationRules

ACTION = {"+": gettext_lazy("作成"), "~": gettext_lazy("変更"), "-": gettext_lazy("削除")}
IGNORED = {
    "id",
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user",
    "history_user_id",
    "created_at",
    "updated_at",
}


@dataclass(frozen=True)
class Entry:
    when: datetime
    subject: str
    action: str
    fields: tuple[str, ...]
    user: str


def _describe(model, record) -> str:
    if model is OfficialAccount:
        return _("アカウント「%(name)s」") % {"name": record.display_name}
    if model is Officer:
        role = dict(OfficerRole.choices).get(record.role, record.role)
        return _("担当職員（%(role)s）") % {"role": role}
    if model is OperationPolicy:
        return _("運用ポリシー 第%(version)s版") % {"version": record.version}
    return _("運用ルール（内部）")


def _changed(model, older, newer) -> tuple[str, ...]:
    names = []
    for field in model._meta.concrete_fields:
        if field.attname in IGNORED:
            continue
        if getattr(older, field.attname, None) != getattr(newer, field.attname, None):
            names.append(str(field.verbose_name))
    return tuple(names)


def account_history(account: OfficialAccount, *, limit: int = 200) -> list[Entry]:
    sources = [
        (OfficialAccount, account.history.all()),
        (Officer, Officer.history.filter(account_id=account.pk)),
        (OperationRules, OperationRules.history.filter(account_id=account.pk)),
        (OperationPolicy, OperationPolicy.history.filter(account_id=account.pk)),
    ]
    entries = []
    for model, qs in sources:
        records = list(qs.select_related("history_user").order_by("history_date", "history_id"))
        by_object: dict[int, list] = {}
        for record in records:
            by_object.setdefault(record.id, []).append(record)
        for chain in by_object.values():
            previous = {id(b): a for a, b in pairwise(chain)}
            for record in chain:
                older = previous.get(id(record))
                fields = (
                    _changed(model, older, record) if older and record.history_type == "~" else ()
                )
                entries.append(
                    Entry(
                        when=record.history_date,
                        subject=_describe(model, record),
                        action=str(ACTION.get(record.history_type, record.history_type)),
                        fields=fields,
                        user=str(record.history_user) if record.history_user else _("（システム）"),
                    )
                )
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:limit]
