"""A baseline view for the benchmark: no database, no template, no cache.

It runs behind exactly the same gunicorn, middleware stack and settings as the public pages,
so its throughput is the ceiling the framework allows on this machine; each public page is
judged against it (bench/run.py).
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse


@login_not_required
def trivial(request):
    return HttpResponse("ok", content_type="text/plain")
