"""Jinja → YAML text → parsed objects. One environment, strict about undefined and raw values."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2

from clipper_manifests import memo
from clipper_manifests.errors import Location, TemplateError
from clipper_manifests.render._bytecode_cache import template_cache
from clipper_manifests.render._slot_tokens import PREFIX
from clipper_manifests.render._slots import NotAWholeNode, Slots
from clipper_manifests.yaml.read import YamlSyntaxError, load_rendered, parse_shared
from clipper_manifests.yaml.write import dump_document, kubernetes_order

TEMPLATE_SUFFIX = ".yaml.j2"


class YamlScalar(str):
    """Text that is already a safe YAML scalar (or flow collection)."""


class RawText(str):
    """Text a template deliberately writes unquoted (inside an embedded config file)."""


# Characters YAML does not allow raw in a scalar, or reads as line breaks (U+0085, U+2028,
# U+2029); JSON leaves them alone, so they get YAML escapes.
_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


def to_yaml(value: Any) -> YamlScalar:
    # JSON is valid YAML, and a JSON string is a double-quoted scalar: no profile value can
    # close it, start a comment, add a key or become a bool or a number by accident.
    if value is None or isinstance(value, (str, int, float)):
        return _scalar_to_yaml(value)  # the same names and numbers, over and over
    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()  # "'dict object' has no attribute 'x'", not a JSON error
    return _json_to_yaml(value)


@memo.function("render.scalar-yaml", 1 << 14, typed=True)  # typed: True and 1 are equal keys, but not the same YAML
def _scalar_to_yaml(value: str | float | None) -> YamlScalar:
    return _json_to_yaml(value)


def _json_to_yaml(value: Any) -> YamlScalar:
    text = json.dumps(value, ensure_ascii=False)
    return YamlScalar(_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text))


_slots: Slots | None = None  # the render in progress writes slot tokens (_slots.py)


def _yaml_filter(value: Any) -> YamlScalar:
    scalar = to_yaml(value)
    if _slots is None:
        return scalar
    if PREFIX in scalar:  # text captured from the template, with values of its own inside
        scalar = to_yaml(_slots.expand(value))
    return YamlScalar(_slots.token(scalar))


def _sha256_filter(value: Any) -> str:
    """Hex SHA-256 of text as it reads in the output (a checksum annotation that changes when the
    config it describes changes); text captured from the template may hold slot tokens."""
    text = _slots.expand(value) if _slots is not None else value
    return hashlib.sha256(str(text).encode("utf-8")).hexdigest()


def _finalize(value: Any) -> Any:
    if isinstance(value, (YamlScalar, RawText)) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    raise jinja2.TemplateRuntimeError(
        f"value {value!r} is written without the `| yaml` filter; pipe profile and platform values through it"
    )


@dataclass(frozen=True)
class Rendered:
    """One object produced by one template."""

    document: dict[str, Any]  # never changed after rendering: `written` is its text
    template: str  # path relative to templates/
    written: str | None = field(default=None, compare=False, repr=False)  # its YAML, if _slots.py wrote it

    def yaml(self) -> str:
        """The object as its output file writes it (below the header)."""
        return self.written if self.written is not None else dump_document(kubernetes_order(self.document))


_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(jinja2.Environment):
    def getattr(self, obj: Any, attribute: str) -> Any:
        # `platform.api.name` on plain dicts, hundreds of times per profile: Jinja tries the
        # attribute first, which raises for a key. A dict has no attribute of any other name,
        # so for those the item is where Jinja ends up anyway.
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


@memo.function("render.jinja-environment", 8)
def environment(templates: Path) -> jinja2.Environment:
    env = _Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        finalize=_finalize,
        bytecode_cache=template_cache(),
        cache_size=-1,  # every template stays compiled (Jinja's default keeps 400)
        auto_reload=False,  # checked once per build instead (refresh_templates)
    )
    env.filters["yaml"] = _yaml_filter
    env.filters["text"] = lambda value: RawText(str(value))
    env.filters["sha256"] = _sha256_filter
    return env


def refresh_templates(templates: Path) -> None:
    """Forget the compiled templates whose file changed: Jinja would otherwise look at the
    file (a stat) on every render, ten thousand times in a large build."""
    cached = environment(templates).cache
    if cached is not None:
        for key, template in list(cached.items()):
            if not template.is_up_to_date:
                del cached[key]


def template_names(templates: Path, folder: str) -> list[str]:
    base = templates / folder
    if not base.is_dir():
        return []
    return sorted(str(p.relative_to(templates)) for p in base.rglob(f"*{TEMPLATE_SUFFIX}"))


def fast_render_default() -> bool:
    """Whether renders take the fast path: yes, unless CLIPPER_FAST_RENDER=0 (to rule the speed
    machinery out when an output looks wrong; the output is the same either way)."""
    return os.environ.get("CLIPPER_FAST_RENDER", "1") != "0"


def render_template(templates: Path, name: str, context: dict[str, Any], *, fast: bool = True) -> list[Rendered]:
    """The objects a template renders with `context`.

    fast=True: the template's shape is parsed once for every profile that shares it and each
    render only fills in its values (_slots.py), with its YAML written from the shape.
    fast=False: the text is rendered with the values in it and parsed, and each object is
    written from its document: the plain way, which the fast path must equal byte for byte."""
    if fast:
        slots = Slots()
        try:
            shapes = parse_shared(_render(templates, name, context, slots))
            documents = [slots.fill(shape) for shape in shapes]
        except (YamlSyntaxError, NotAWholeNode):
            pass  # a template whose values are not whole YAML nodes: the plain way below
        else:
            pairs = zip(documents, shapes, strict=True)
            return [Rendered(_check_object(document, templates, name), name, slots.written(shape)) for document, shape in pairs]
    documents = _parse(_render(templates, name, context, None), templates / name)
    return [Rendered(_check_object(document, templates, name), name) for document in documents]


def _render(templates: Path, name: str, context: dict[str, Any], slots: Slots | None) -> str:
    global _slots  # noqa: PLW0603 - the `yaml` filter reads it; a render never nests in another
    _slots = slots
    try:
        return environment(templates).get_template(name).render(context)
    except jinja2.TemplateSyntaxError as error:
        path = templates / name
        where = Path(error.filename) if error.filename else path
        raise TemplateError(f"template syntax error: {error.message}", location=Location(where, error.lineno)) from None
    except jinja2.TemplateNotFound as error:
        raise TemplateError(f"template not found: {error.name}", location=Location(templates / name)) from None
    except Exception as error:  # noqa: BLE001 - any failure inside a template is the template's fault
        raise TemplateError(f"template failed: {error}", location=_template_location(sys.exc_info()[2], templates / name)) from None
    finally:
        _slots = None


def _parse(text: str, path: Path) -> list[Any]:
    try:
        return load_rendered(text)
    except YamlSyntaxError as error:
        raise TemplateError(
            f"rendered output is not valid YAML (output line {error.line}): {error.message}",
            location=Location(path),
            hint="check the YAML structure of the template around that line",
        ) from None


def _template_location(trace: TracebackType | None, fallback: Path) -> Location:
    # Jinja rewrites tracebacks so that template frames carry the template's file and line.
    found = Location(fallback)
    while trace is not None:
        filename = trace.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = Location(Path(filename), trace.tb_lineno)
        trace = trace.tb_next
    return found


def _check_object(document: Any, templates: Path, name: str) -> dict[str, Any]:
    if not isinstance(document, dict) or not isinstance(document.get("metadata"), dict):
        problem = "every rendered document must be a Kubernetes object with metadata"
    elif not isinstance(document.get("apiVersion"), str):
        problem = "rendered object has no apiVersion"
    elif not isinstance(document.get("kind"), str):
        problem = "rendered object has no kind"
    elif not isinstance(document["metadata"].get("name"), str):
        problem = "rendered object has no metadata.name"
    else:
        return document
    raise TemplateError(problem, location=Location(templates / name))
