"""Filled-in request data for the workflow tests (the demo municipality and its staff are
shared fixtures: tests/conftest.py)."""


def filled_registration(payload: dict, users: dict, **overrides) -> dict:
    """A complete new-registration form, as the operator would fill it in."""
    data = dict(payload)
    data.update(
        {
            "account-service": "1",  # X
            "account-url": "https://x.com/kanko_event",
            "account-display_name": "サンプル市観光イベント",
            "account-purpose": "観光イベントの最新情報をお知らせします。",
            "account-registration_email": "kanko@city.example.lg.jp",
            "account-badge_status": "applied",
            "account-info_class": "1",
            "officers-0-user": str(users["head"].pk),
            "officers-1-user": str(users["manager"].pk),
            "policy-purpose": "観光イベントの情報発信",
            "policy-content": "イベント情報、観光スポットの紹介",
            "checklist-R6": "on",
            "checklist-R7": "on",
            "checklist-R11": "on",
            "checklist-R14": "on",
        }
    )
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
