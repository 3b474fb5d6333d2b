"""Themes: a chain of folders, each able to override any file of the ones after it.

A theme is a folder with ``theme.yaml`` (``name``, ``extends``, ``variables``),
``templates/``, ``static/`` and ``i18n/``. The site's ``theme`` setting names a
folder under the site's own ``themes/``; the chain is that folder, the theme it
extends, that theme's parent, and so on, always ending with the built-in
``default`` theme. The first folder that has a file wins, so a site theme can
be a single template. ``{% extends "!default/base.html" %}`` reaches a named
theme of the chain explicitly, which lets an override extend what it replaces.

The built-in theme lives in ``themes/default/`` at the repository root. A wheel
carries it as ``sspage/themes/default/`` (see ``pyproject.toml``); an editable
install or a checkout finds it next to the package.
"""

from __future__ import annotations

import hashlib
import os
import traceback
from pathlib import Path
from typing import Any

import msgspec

from .errors import BuildError

BUILTIN = "default"
THEME_FILE = "theme.yaml"
THEME_KEYS = frozenset({"name", "extends", "variables"})
FALLBACK_LANGUAGE = "en"


class Layer(msgspec.Struct, frozen=True):
    """One folder of the chain. ``shown`` is how messages name it."""

    name: str
    root: Path
    shown: str


class Theme(msgspec.Struct):
    name: str
    layers: list[Layer]  # the site's theme first, the built-in default last
    variables: dict[str, Any] = msgspec.field(default_factory=dict)

    def find(self, relative: str) -> Path | None:
        """The first file of the chain at ``relative`` (``static/style.css``, ...)."""
        for layer in self.layers:
            candidate = layer.root / relative
            if candidate.is_file():
                return candidate
        return None

    def static_files(self) -> dict[str, Path]:
        """Every static file by its path under ``static/``; nearer layers win."""
        found: dict[str, Path] = {}
        for layer in reversed(self.layers):
            found.update(_walk(layer.root / "static"))
        return dict(sorted(found.items()))

    def translations(self, language: str) -> dict[str, Any]:
        """Interface strings: English first, then the base language, then the exact one.

        Starting from English means a string a theme adds in English only still
        shows, in English, rather than breaking the build of a French site.
        """
        wanted = [FALLBACK_LANGUAGE]
        base = language.split("-")[0]
        for code in (base, language):
            if code not in wanted:
                wanted.append(code)
        available = {path.stem for layer in self.layers for path in (layer.root / "i18n").glob("*.yaml")}
        if base not in available and language not in available:
            raise BuildError(
                f"the theme {self.name!r} has no translation for language {language!r}",
                hint=f"available: {', '.join(sorted(available))}; add i18n/{base}.yaml to your theme",
            )
        strings: dict[str, Any] = {}
        for code in wanted:
            for layer in reversed(self.layers):
                path = layer.root / "i18n" / f"{code}.yaml"
                if path.is_file():
                    data = _load_yaml(path, layer)
                    if not isinstance(data, dict):
                        raise BuildError(f"{_shown(layer, path)}: expected a mapping of strings")
                    _merge(strings, data)
        return strings

    def fingerprint(self) -> str:
        """A hash of every file of the chain, so that any change to the theme rebuilds all."""
        digest = hashlib.sha256()
        for layer in self.layers:
            digest.update(f"layer {layer.name}\0".encode())
            for relative, path in _walk(layer.root).items():
                digest.update(f"{relative}\0".encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
        return digest.hexdigest()

    def environment(self, cache: Path | None = None) -> Any:
        """A Jinja environment: autoescape everywhere, undefined names are errors.

        ``cache`` is a folder for compiled templates, so a small rebuild does not pay
        for compiling every template again (Jinja checks each source's checksum).
        """
        import jinja2

        # "!name/page.html" is that theme's own file. The later layer wins a shared name, so
        # "!default/..." in a site's themes/default/ override means the built-in theme.
        loaders = {f"!{layer.name}": jinja2.FileSystemLoader(str(layer.root / "templates"))
                   for layer in self.layers}
        chain = jinja2.FileSystemLoader([str(layer.root / "templates") for layer in self.layers])
        return jinja2.Environment(
            loader=jinja2.ChoiceLoader([jinja2.PrefixLoader(loaders), chain]),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,
            bytecode_cache=_bytecode_cache(cache) if cache is not None else None,
        )

    def template_error(self, error: Exception) -> BuildError:
        """``template:line: message`` for a Jinja error, pointing at the theme file at fault."""
        import jinja2

        message = getattr(error, "message", None) or str(error)
        if isinstance(error, jinja2.TemplateNotFound):
            return BuildError(f"template not found: {error.name}",
                              hint="check the name in {% extends %} or {% include %}")
        if isinstance(error, jinja2.TemplateSyntaxError) and error.filename:
            return BuildError(f"{self.show(error.filename)}:{error.lineno}: {message}")
        for frame in reversed(traceback.extract_tb(error.__traceback__)):
            if frame.filename.endswith(".html") or frame.filename.endswith(".xml"):
                return BuildError(f"{self.show(frame.filename)}:{frame.lineno}: {message}")
        return BuildError(f"template: {message}")

    def show(self, filename: str) -> str:
        path = Path(filename)
        for layer in self.layers:
            try:
                return f"{layer.shown}/{path.relative_to(layer.root).as_posix()}"
            except ValueError:
                continue
        return filename


def builtin_themes() -> Path:
    """The folder holding the built-in ``default`` theme: in the wheel, or in the source tree."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "themes", package.parent / "themes"):
        if (candidate / BUILTIN / THEME_FILE).is_file():
            return candidate
    raise BuildError("the built-in theme is missing from this installation",
                     hint="reinstall sspage")  # pragma: no cover


def load_theme(site_root: Path, name: str) -> Theme:
    """The chain for the theme called ``name``: site folders first, the built-in default last.

    A site folder named ``default`` overrides files of the built-in theme, and
    its ``extends: default`` means the built-in one.
    """
    layers: list[Layer] = []
    variables: dict[str, Any] = {}
    current: str | None = name
    while current is not None:
        folder = site_root / "themes" / current
        if any(layer.root == folder for layer in layers):
            if current == BUILTIN:
                break
            raise BuildError(f"themes/{current}/{THEME_FILE}: the theme extends itself",
                             hint="follow the extends: chain and break the loop")
        if not folder.is_dir():
            if current == BUILTIN:
                break
            raise BuildError(f"unknown theme {current!r}",
                             hint=f"create themes/{current}/ in the site, or use 'default'")
        layer = Layer(current, folder, f"themes/{current}")
        layers.append(layer)
        settings = _read_settings(layer)
        variables = {**(settings.get("variables") or {}), **variables}
        current = settings.get("extends", BUILTIN)  # absent: default; null: no parent
    builtin = Layer(BUILTIN, builtin_themes() / BUILTIN, f"sspage/themes/{BUILTIN}")
    variables = {**(_read_settings(builtin).get("variables") or {}), **variables}
    return Theme(name, [*layers, builtin], variables)


def _read_settings(layer: Layer) -> dict[str, Any]:
    path = layer.root / THEME_FILE
    if not path.is_file():
        return {}  # a site theme may be just a template or two
    data = _load_yaml(path, layer) or {}
    if not isinstance(data, dict):
        raise BuildError(f"{_shown(layer, path)}: expected a mapping with name, extends, variables")
    unknown = sorted(set(data) - THEME_KEYS)
    if unknown:
        raise BuildError(f"{_shown(layer, path)}: {unknown[0]}: unknown field",
                         hint="known fields: name, extends, variables")
    extends = data.get("extends")
    if extends is not None and not isinstance(extends, str):
        raise BuildError(f"{_shown(layer, path)}: extends: expected a theme name or null")
    if not isinstance(data.get("variables") or {}, dict):
        raise BuildError(f"{_shown(layer, path)}: variables: expected a mapping")
    return data


def _load_yaml(path: Path, layer: Layer) -> Any:
    # Theme files are written by theme authors, not page editors: YAML's usual typing
    # (true, 3, lists) is what they expect, so they use a plain safe loader.
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(path.read_text("utf-8"), Loader=loader)  # noqa: S506 (safe loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise BuildError(f"{_shown(layer, path)}{where}: YAML syntax error: {error.problem}") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise BuildError(f"{_shown(layer, path)}: cannot read: {error}") from None


def _shown(layer: Layer, path: Path) -> str:
    return f"{layer.shown}/{path.relative_to(layer.root).as_posix()}"


def _merge(into: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def _walk(folder: Path) -> dict[str, Path]:
    """Files under ``folder`` by relative POSIX path, sorted, skipping hidden ones."""
    found: dict[str, Path] = {}
    for directory, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        for name in sorted(files):
            if not name.startswith("."):
                path = Path(directory) / name
                found[path.relative_to(folder).as_posix()] = path
    return dict(sorted(found.items()))


def _bytecode_cache(folder: Path) -> Any:
    import jinja2

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # a read-only site still builds, just without the cache
    return jinja2.FileSystemBytecodeCache(str(folder))
