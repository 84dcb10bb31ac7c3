from django.http import HttpRequest

from core.municipality import get_municipality


def municipality(request: HttpRequest) -> dict:
    return {"municipality": get_municipality()}
