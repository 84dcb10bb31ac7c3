"""The guideline checklist items a deployment can switch on (shared/DOMAIN.md R1–R18).

R1–R3 and R5 are the product's own workflow and always apply; the items here are the ones a
municipality chooses (Kawasaki needs R9 and R16, Hokkaido R15). Each one offered does
something when switched on:

- R8, R9: the registration e-mail and the account name are validated (accounts.validators);
- R4, R6, R7, R10, R11, R14, R15, R16: the requester ticks the item on every registration and
  change request (``approvals.forms.FORM_CHECKLIST``); R16 also makes the rules' "devices
  checked by the ICT division" box required;
- R4 also asks the request form's internal operating rules (運用ルール, 003 §5(5)), with who
  posts and the approval before posting required; off, the section is not shown (unless R16
  asks for its devices part);
- R10 also asks who holds the credentials (each officer's 「ログイン情報を管理している」, at
  least one) and the last password change, lets the 管理者 confirm them on the account
  (reviews) and reminds when the change is older than ``credential_rotation_days``;
- R12 is the periodic review (棚卸し, 003 §5(9)): the 管理者 confirms each account every
  ``review_months``, is reminded, keeps the last-post date, and the PR division lists stale
  accounts (reviews). Off, none of its pages, lists or reminders exist;
- R7 also reminds while a badge is applied for or not applied for (reviews).

R11 (no URL shorteners) is enforced in every deployment — all five guidelines forbid
shorteners — so it always applies (``ALWAYS_ENFORCED``, read by ``Municipality.applies``).
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

CHECKLIST_ITEMS: dict[str, Promise] = {  # lazy: read when the form is built
    "R4": _("内部向けの運用ルールを定めている（003 §5(5)、002 §3(6)）"),
    "R6": _(
        "アカウントのプロフィールに自治体ホームページの掲載ページへのリンクを記載した"
        "（000 §4(2)、001 §3(3)イ、002 §3(4)、003 §5(7)）"
    ),
    "R7": _("認証アカウント（認証バッジ）を取得した、または申請中である（全ガイドライン共通）"),
    "R8": _("登録メールアドレスは組織のアドレスで、個人のアドレスではない（002 §3(2)、003 §5(3)）"),
    "R9": _("アカウント名に自治体名を含め、個人名を使っていない（003 §5(2)(3)）"),
    "R10": _(
        "パスワードは運用者のみが知り、定期的に変更している"
        "（000 §4(3)、001 §3(3)ウ、003 §5(8)、002 §3(5)）"
    ),
    "R11": _("短縮URLを使っていない（000 §5(4)ア、001 §5(7)、002 §4(6)）"),
    "R12": _("更新の途絶えたアカウントを定期的に見直す（棚卸し、003 §5(9)）"),
    "R14": _("運用を委託する場合、受託者にもガイドラインを遵守させる（000 §4(5)、001 §9(1)）"),
    "R15": _("機密性の高い情報・個人情報の取扱区分を確認した（002 §3(1)①②）"),
    "R16": _("使用する端末を情報担当課が確認した（003 §5(10)）"),
}

# Applies whatever the configuration says (see module docstring): the one declaration.
ALWAYS_ENFORCED = frozenset({"R11"})
