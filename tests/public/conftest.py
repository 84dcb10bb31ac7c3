from tests.approvals.conftest import (  # noqa: F401
    bousai_account,
    demo,
    tourism_account,
    users,
)
