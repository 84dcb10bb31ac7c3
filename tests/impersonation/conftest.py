from tests.approvals.conftest import bousai_account, demo, tourism_account, users  # noqa: F401
