"""The docs that are generated from the code must match it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_cli_reference_is_current() -> None:
    spec = importlib.util.spec_from_file_location("gen", ROOT / "docs" / "gen_cli_reference.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    committed = (ROOT / "docs" / "cli.md").read_text("utf-8")
    assert committed == module.render(), "docs/cli.md is stale: run python docs/gen_cli_reference.py"


def test_committed_schemas_are_current() -> None:
    from sspage.model import SCHEMA_KINDS, schema
    from sspage.shapes import to_json

    for kind in SCHEMA_KINDS:
        committed = (ROOT / "content" / "schema" / f"{kind}.schema.json").read_text("utf-8")
        assert committed == to_json(schema(kind)) + "\n", f"run: sspage schema --write ({kind})"


def test_demo_site_is_valid() -> None:
    import sspage

    result = sspage.check_site(sspage.open_site(ROOT))
    assert result.problems == []
    assert result.pages >= 3
    assert "Kitchen renovation" in [page.title for page in sspage.open_site(ROOT).pages()]
