"""The guideline checklist items a deployment can switch on (shared/DOMAIN.md R1–R18).

R1–R3 and R5 are the product's own workflow and always apply; the items here are the ones a
municipality chooses (Kawasaki needs R9 and R16, Hokkaido R15). R11 (no URL shorteners) is
listed so that it shows on the checklist, but it is enforced in every deployment: all five
guidelines forbid shorteners.
"""

CHECKLIST_ITEMS: dict[str, str] = {
    "R4": "内部向けの運用ルールを定めている（003 §5(5)、002 §3(6)）",
    "R6": "アカウントのプロフィールに自治体ホームページの掲載ページへのリンクを記載した"
    "（000 §4(2)、001 §3(3)イ、002 §3(4)、003 §5(7)）",
    "R7": "認証アカウント（認証バッジ）を取得した、または申請中である（全ガイドライン共通）",
    "R8": "登録メールアドレスは組織のアドレスで、個人のアドレスではない（002 §3(2)、003 §5(3)）",
    "R9": "アカウント名に自治体名を含め、個人名を使っていない（003 §5(2)(3)）",
    "R10": "パスワードは運用者のみが知り、定期的に変更している"
    "（000 §4(3)、001 §3(3)ウ、003 §5(8)、002 §3(5)）",
    "R11": "短縮URLを使っていない（000 §5(4)ア、001 §5(7)、002 §4(6)）",
    "R12": "更新が途絶えたアカウントを定期的に見直している（003 §5(9)）",
    "R14": "運用を委託する場合、受託者にもガイドラインを遵守させる（000 §4(5)、001 §9(1)）",
    "R15": "機密性の高い情報・個人情報の取扱区分を確認した（002 §3(1)①②）",
    "R16": "使用する端末を情報担当課が確認した（003 §5(10)）",
}

# Enforced whatever the configuration says (see module docstring).
ALWAYS_ENFORCED = frozenset({"R11"})
