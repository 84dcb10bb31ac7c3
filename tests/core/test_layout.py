"""The README's layout table names every app folder, and the import-linter contract lists the
same apps in the same layers (ADR 0013): a newcomer reading either finds the other true."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _local_apps() -> set[str]:
    return {c.name for c in apps.get_app_configs() if (ROOT / c.name).is_dir()}


def _readme_layout() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## 構成 / Layout", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\|[^|]*\| `(\w+)/` \|", section, re.M))


def _contract() -> tuple[set[str], list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    linter = config["tool"]["importlinter"]
    (contract,) = linter["contracts"]
    layered = {name.strip() for layer in contract["layers"] for name in layer.split("|")}
    return set(linter["root_packages"]), [*layered]


def test_readme_layout_table_names_every_app():
    assert _readme_layout() == _local_apps()


def test_every_app_is_in_a_layer_of_the_import_contract():
    roots, layered = _contract()
    assert roots == set(layered) == _local_apps()
