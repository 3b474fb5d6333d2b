"""Themes: the lookup chain, overrides, translations, template errors, and the default theme's page."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers import ID1, ID2, ID3, page_file

import sspage
from sspage.build import build_site
from sspage.errors import BuildError
from sspage.theme import BUILTIN, builtin_themes, load_theme

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "themes" / "default"
CODE = "z4hiCKGpsFUg"


@pytest.fixture(autouse=True)
def fixed_build_time(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1781524800")  # 2026-06-15T12:00:00Z


@pytest.fixture
def kitchen(site):
    (site.pages_dir / "kitchen.yaml").write_text(page_file(), "utf-8")
    return site


def set_config(site, **values):
    path = site.content_dir / "site.yaml"
    text = path.read_text("utf-8")
    for key, value in values.items():
        text = re.sub(rf"^{key}:.*$", f"{key}: {value}", text, flags=re.M) if re.search(
            rf"^{key}:", text, re.M) else text + f"{key}: {value}\n"
    path.write_text(text, "utf-8")
    return sspage.open_site(site.root)


def page_html(site):
    build_site(site, site.root / "public")
    return (site.root / "public" / "s" / CODE / "index.html").read_text("utf-8")


def add_file(site, relative, text):
    path = site.root / "themes" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


# -- the chain -----------------------------------------------------------------------------------


def test_the_built_in_theme_is_found_in_the_source_tree():
    assert builtin_themes() == ROOT / "themes"
    theme = load_theme(ROOT / "nowhere", BUILTIN)
    assert [layer.root for layer in theme.layers] == [DEFAULT]
    assert theme.variables == {"show_json_link": True}


def test_chain_site_theme_then_parents_then_built_in(tmp_path):
    for name, text in (("child", "name: child\nextends: parent\nvariables: {colour: red}\n"),
                       ("parent", "name: parent\nextends: default\nvariables: {colour: blue, size: 2}\n")):
        (tmp_path / "themes" / name).mkdir(parents=True)
        (tmp_path / "themes" / name / "theme.yaml").write_text(text, "utf-8")
    theme = load_theme(tmp_path, "child")
    assert [layer.name for layer in theme.layers] == ["child", "parent", "default"]
    assert theme.layers[-1].root == DEFAULT
    assert theme.variables == {"show_json_link": True, "colour": "red", "size": 2}


def test_theme_errors(tmp_path):
    with pytest.raises(BuildError, match="unknown theme 'missing'"):
        load_theme(tmp_path, "missing")
    (tmp_path / "themes" / "a").mkdir(parents=True)
    (tmp_path / "themes" / "b").mkdir(parents=True)
    (tmp_path / "themes" / "a" / "theme.yaml").write_text("extends: b\n", "utf-8")
    (tmp_path / "themes" / "b" / "theme.yaml").write_text("extends: a\n", "utf-8")
    with pytest.raises(BuildError, match="extends itself"):
        load_theme(tmp_path, "a")
    (tmp_path / "themes" / "b" / "theme.yaml").write_text("extend: default\n", "utf-8")
    with pytest.raises(BuildError, match=r"themes/b/theme.yaml: extend: unknown field"):
        load_theme(tmp_path, "a")


def test_a_single_template_override_extends_the_built_in(kitchen):
    add_file(kitchen, "acme/templates/page.html",
             '{% extends "!default/page.html" %}\n'
             '{% block header %}<p class="brand">Acme &amp; Sons</p>{% endblock %}\n')
    site = set_config(kitchen, theme="acme")
    html = page_html(site)
    assert '<p class="brand">Acme &amp; Sons</p>' in html
    assert "<h1>Kitchen renovation</h1>" in html  # the rest is the built-in page


def test_base_template_override_applies_to_every_page(kitchen):
    add_file(kitchen, "acme/theme.yaml", "name: acme\nextends: default\n")
    add_file(kitchen, "acme/templates/base.html",
             '{% extends "!default/base.html" %}{% block head %}<meta name="acme">{% endblock %}')
    site = set_config(kitchen, theme="acme")
    assert '<meta name="acme">' in page_html(site)
    for name in ("404.html", "index.html"):
        assert '<meta name="acme">' in (site.root / "public" / name).read_text("utf-8")


def test_static_and_variables_and_strings_override(kitchen):
    add_file(kitchen, "acme/theme.yaml", "extends: default\nvariables:\n  show_json_link: false\n")
    add_file(kitchen, "acme/static/style.css", "body { color: #111; }\n")
    add_file(kitchen, "acme/i18n/en.yaml", "checklist: Steps\n")
    site = set_config(kitchen, theme="acme")
    html = page_html(site)
    css = re.search(r'href="\.\./\.\./(assets/style\.[0-9a-f]{10}\.css)"', html).group(1)
    assert (site.root / "public" / css).read_text("utf-8") == "body{color:#111}\n"  # minified
    assert ">Steps</h2>" in html and ">Checklist<" not in html
    assert ">JSON</a>" not in html


# -- translations --------------------------------------------------------------------------------


def keys(data, prefix=""):
    found = set()
    for key, value in data.items():
        found |= keys(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key}
    return found


def test_every_language_has_every_string():
    import yaml

    english = yaml.safe_load((DEFAULT / "i18n" / "en.yaml").read_text("utf-8"))
    for path in (DEFAULT / "i18n").glob("*.yaml"):
        strings = yaml.safe_load(path.read_text("utf-8"))
        assert keys(strings) == keys(english), path.name
        assert len(strings["months"]) == 12


def test_french_site(kitchen):
    site = set_config(kitchen, language="fr", timezone="Europe/Paris")
    html = page_html(site)
    assert '<html lang="fr"' in html
    assert "Terminé : 1 sur 3" in html and ">En cours</span>" in html
    assert '<time datetime="2026-06-08T14:30:00Z">8 juin 2026 à 16:30 CEST</time>' in html


def test_regional_language_falls_back_to_its_base(kitchen):
    site = set_config(kitchen, language="fr-CA")
    assert '<html lang="fr-CA"' in page_html(site)


def test_unknown_language_is_an_error(kitchen):
    site = set_config(kitchen, language="de")
    with pytest.raises(BuildError, match="no translation for language 'de'"):
        page_html(site)


def test_local_time_in_the_site_zone(kitchen):
    site = set_config(kitchen, timezone="Europe/London")
    html = page_html(site)
    assert '<time datetime="2026-06-08T14:30:00Z">8 June 2026, 15:30 BST</time>' in html


# -- template errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(("template", "message"), [
    ("{% extends 'base.html' %}{% block main %}\n\n{{ page.nope }}\n{% endblock %}",
     "themes/acme/templates/page.html:3: 'sspage.render.PageView object' has no attribute 'nope'"),
    ("line one\n{% for %}\n", "themes/acme/templates/page.html:2: "),
    ("{% include 'missing.html' %}", "template not found: missing.html"),
    ("{% extends 'base.html' %}{% block main %}{{ 1 / 0 }}{% endblock %}",
     "themes/acme/templates/page.html:1: division by zero"),
])
def test_template_errors_name_the_file_and_line(kitchen, template, message):
    add_file(kitchen, "acme/templates/page.html", template)
    site = set_config(kitchen, theme="acme")
    with pytest.raises(BuildError) as caught:
        page_html(site)
    assert str(caught.value).startswith(message), str(caught.value)


def test_autoescape_is_on_in_every_template(kitchen):
    add_file(kitchen, "acme/templates/index.html", "{{ '<b>' }}{{ site.title }}")
    site = set_config(kitchen, theme="acme", title='"<i>Acme</i>"')
    build_site(site, site.root / "public")
    assert (site.root / "public" / "index.html").read_text("utf-8") == "&lt;b&gt;&lt;i&gt;Acme&lt;/i&gt;"


# -- the default theme's page --------------------------------------------------------------------


class Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def outline(html):
    parser = Outline()
    parser.feed(html)
    return parser.tags


def test_default_page_structure(kitchen):
    path = kitchen.pages_dir / "kitchen.yaml"
    path.write_text(path.read_text("utf-8").replace(
        "latestUpdate: null", "latestUpdate: Worktops **arrive** Monday. [Plan](https://x.example/plan)"),
        "utf-8")
    html = page_html(kitchen)
    tags = outline(html)
    names = [name for name, _ in tags]
    for landmark in ("header", "main", "footer", "h1", "ol", "progress", "time"):
        assert landmark in names, landmark
    assert names.count("h1") == 1
    assert html.count('<li class="step') == 3
    assert dict(tags)["progress"] == {"class": "bar", "value": "1", "max": "3", "aria-label": "Progress"}
    assert "1 of 3 complete" in html and "33%" in html
    # Each state is told in words (and by a shape from CSS), not by colour alone.
    for state, label in (("complete", "Complete"), ("active", "In progress"), ("pending", "Pending")):
        assert f'<li class="step is-{state}"><span class="icon" aria-hidden="true"></span>' in html
        assert f'<span class="state">{label}</span>' in html
    assert html.index("Survey booked") < html.index("Materials ordered") < html.index("Work scheduled")
    assert '<strong>arrive</strong>' in html
    assert '<a href="https://x.example/plan" rel="nofollow noopener">Plan</a>' in html
    assert '<time datetime="2026-06-08T14:30:00Z">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "<script" not in html and "style=" not in html  # the CSP allows neither
    assert len(html.encode()) < 20_000
    assert "2026-06-15" not in html  # the build time is never printed


def test_overall_state(site):
    cases = {"complete": ["complete"] * 3, "active": ["complete", "pending", "pending"],
             "pending": ["pending"] * 3}
    for number, states in enumerate(cases.values()):
        items = [{"id": guid, "text": f"Step {n}", "sortOrder": n, "state": state}
                 for n, (guid, state) in enumerate(zip((ID1, ID2, ID3), states, strict=True))]
        (site.pages_dir / f"p{number}.yaml").write_text(
            page_file(public_code=f"Overall{number:05d}", items=items), "utf-8")
    empty = page_file(public_code="Overall00009", items=[]).replace("items:\n", "items: []\n")
    (site.pages_dir / "empty.yaml").write_text(empty, "utf-8")
    build_site(site, site.root / "public")
    for number, overall in enumerate(cases):
        html = (site.root / "public" / "s" / f"Overall{number:05d}" / "index.html").read_text("utf-8")
        assert f'<section class="summary is-{overall}"' in html
    empty = (site.root / "public" / "s" / "Overall00009" / "index.html").read_text("utf-8")
    assert "No steps have been added yet." in empty and "<progress" not in empty


def test_stylesheet_rules():
    css = (DEFAULT / "static" / "style.css").read_text("utf-8")
    assert "@media screen and (prefers-color-scheme: dark)" in css
    assert "@media print" in css
    assert "@font-face" not in css and "@import" not in css and "url(" not in css
    assert "system-ui" in css
    assert len(css.encode()) < 12_000


def test_the_largest_typical_page_stays_small(site):
    items = [{"id": f"{n:08x}-0000-4000-8000-000000000000", "text": "A fairly long step description " * 3,
              "sortOrder": n, "state": "active"} for n in range(8)]
    (site.pages_dir / "big.yaml").write_text(page_file(items=items), "utf-8")
    html = page_html(site)
    css = next((site.root / "public" / "assets").glob("style.*.css")).read_bytes()
    assert len(html.encode()) + len(css) < 20_000
