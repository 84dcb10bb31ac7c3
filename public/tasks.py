"""Work the job queue does for citizens after each change (issue 12 §5, §6).

``core.public_change`` sends ``public_changed`` once after each commit that changed public
data; ``on_public_change`` enqueues ``refresh_public`` for that generation. The worker then
writes the open-data files (``public.files``) and re-renders the most requested pages into the
cache (``public.warming``), so that citizens rarely meet a cache miss after an approval.
A task for a generation that is no longer current does nothing: the newer change has its own.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django_tasks import task

from core.cache import current
from public import files, warming

logger = logging.getLogger(__name__)


@task()
def refresh_public(generation: int) -> bool:
    """True when this run refreshed ``generation``; False when a newer change superseded it."""
    if current() != generation:
        return False
    files.publish(generation)
    warming.warm(generation)
    return True


def on_public_change(sender, generation: int, **kwargs) -> None:
    """Receiver of ``core.public_change.public_changed`` (connected in PublicConfig.ready)."""
    if not settings.PUBLIC_REFRESH_ON_CHANGE:
        return
    refresh_public.enqueue(generation)
