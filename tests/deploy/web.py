"""A small HTTP client that talks to gunicorn the way nginx does (docs/deploy/nginx.conf): Host
the allowed name, ``X-Forwarded-Proto: https``, the client's address appended to
``X-Forwarded-For``. Cookies are kept by hand (session and CSRF cookies are ``Secure``: a
standard cookie jar would not send them over the plain http to gunicorn), and forms are read
from the page as a browser would (every field with its value, then what the person changes).
"""

from __future__ import annotations

import http.client
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

from tests.deploy.conftest import HOST


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def header(self, name: str) -> str:
        return self.headers.get(name, "")

    @property
    def location_path(self) -> str:
        location = urlsplit(self.header("Location"))
        return location.path + (f"?{location.query}" if location.query else "")


@dataclass
class Web:
    """One person's browser, reaching the app server on ``port`` through "nginx"."""

    port: int
    client_address: str = "203.0.113.10"
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = 30

    def request(self, method: str, path: str, body: bytes | None = None, **headers: str):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        sent = {
            "Host": HOST,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.client_address,
            "User-Agent": "tests/deploy",
            **headers,
        }
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=sent)
            raw = conn.getresponse()
            response = Response(raw.status, raw.headers, raw.read())
        finally:
            conn.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            cookie_value = rest.split(";", 1)[0]
            if "max-age=0" in value.lower() or not cookie_value.strip('"'):
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = cookie_value
        return response

    def get(self, path: str, **headers: str) -> Response:
        return self.request("GET", path, **headers)

    def post(self, path: str, data: list[tuple[str, str]] | dict[str, str]) -> Response:
        pairs = list(data.items()) if isinstance(data, dict) else data
        if "csrftoken" in self.cookies and not any(k == "csrfmiddlewaretoken" for k, _ in pairs):
            pairs.append(("csrfmiddlewaretoken", self.cookies["csrftoken"]))
        return self.request(
            "POST",
            path,
            urlencode(pairs).encode(),
            **{
                "Content-Type": "application/x-www-form-urlencoded",
                # Django checks the origin of an https POST (CSRF); a browser sends it.
                "Origin": f"https://{HOST}",
                "Referer": f"https://{HOST}{path}",
            },
        )

    def follow(self, response: Response) -> Response:
        while response.status in (301, 302, 303):
            response = self.get(response.location_path)
        return response

    def log_in(self, username: str, password: str) -> Response:
        page = self.get("/staff/login/")
        assert page.status == 200, page.status
        form = forms(page.text, action_contains="")[0]
        answer = self.post(
            "/staff/login/", form.filled(username=username, password=password).pairs()
        )
        assert answer.status == 302, (answer.status, answer.text[:2000])
        assert "sessionid" in self.cookies
        return answer


# --- Forms, as a browser reads them ---------------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (name, value) of submits

    def filled(self, **values: str) -> Form:
        return self.with_values(values)

    def with_values(self, values: dict[str, str]) -> Form:
        """The same form with ``values`` typed in (a field not on the page is added)."""
        kept = [(k, v) for k, v in self.fields if k not in values]
        return Form(self.action, self.method, kept + list(values.items()), self.buttons)

    def pairs(self, button: tuple[str, str] | None = None) -> list[tuple[str, str]]:
        return self.fields + ([button] if button else [])


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            self._input(a)
        elif tag == "button" and a.get("type", "submit") == "submit" and a.get("name"):
            self._form.buttons.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select, self._select_first, self._select_chosen = a.get("name"), None, False
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a and not self._select_chosen:
                self._form.fields.append((self._select, value))
                self._select_chosen = True
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), []

    def _input(self, a: dict[str, str]) -> None:
        assert self._form is not None
        kind = a.get("type", "text").lower()
        name = a.get("name")
        if not name or kind in ("file", "reset", "image", "button"):
            return
        if kind == "submit":
            self._form.buttons.append((name, a.get("value", "")))
        elif kind in ("checkbox", "radio"):
            if "checked" in a:
                self._form.fields.append((name, a.get("value", "on")))
        else:
            self._form.fields.append((name, a.get("value", "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select and self._form is not None:
            if not self._select_chosen and self._select_first is not None:
                self._form.fields.append((self._select, self._select_first))
            self._select = None
        elif tag == "textarea" and self._textarea and self._form is not None:
            self._form.fields.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None


def forms(html: str, *, action_contains: str) -> list[Form]:
    """The page's POST forms whose action contains ``action_contains``."""
    parser = _FormParser()
    parser.feed(html)
    return [f for f in parser.forms if f.method == "post" and action_contains in f.action]


def first_link(html: str, pattern: str) -> str:
    """The first href on the page matching ``pattern`` (a regular expression)."""
    match = re.search(rf'href="({pattern})"', html)
    assert match, f"no link matching {pattern}"
    return match.group(1)
