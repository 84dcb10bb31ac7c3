"""Deployment tests (issue 12): the production command for real (test_production_smoke.py), two
app servers on one PostgreSQL and Redis (test_two_servers.py), backups that restore
(test_backup_restore.py). Each makes PostgreSQL databases of its own (conftest.py); all are
marked ``postgres`` and run on the PostgreSQL run of .ci/run."""
