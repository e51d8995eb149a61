"""Deterministic block YAML: Kubernetes key order, and each distinct document written once per process.

The LibYAML C dumper is used when present; the output is byte-identical either way.
"""

from __future__ import annotations

import io
import pickle
from typing import Any

import yaml

from clipper_manifests import memo
from clipper_manifests.yaml.block_writer import BlockWriter, Unsupported

try:
    from yaml import CSafeDumper as _BaseDumper
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeDumper as _BaseDumper  # type: ignore[assignment]

_MAP_TAG, _SEQ_TAG = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
# Distinct documents kept serialised: more than one large build renders (~4,500).
_MEMO_SIZE = 8192


class _KubeDumper(_BaseDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: tuple[bool, bool]) -> str:
        # The emitter asks twice per scalar which tag its text implies; the answer depends on
        # the text alone (no path resolvers are registered), and manifests repeat texts a lot.
        if kind is not yaml.ScalarNode:
            return str(super().resolve(kind, value, implicit))  # type: ignore[no-untyped-call]
        return _IMPLIED_TAGS.get((value, implicit), lambda: str(super(_KubeDumper, self).resolve(kind, value, implicit)))  # type: ignore[no-untyped-call]


_IMPLIED_TAGS: memo.Table[str] = memo.Table("yaml.implied-tags", 1 << 16)


def _represent_str(dumper: _KubeDumper, value: str) -> yaml.Node:
    # Multi-line values (config files, scripts) read far better as literal blocks.
    style = "|" if "\n" in value and not value.startswith(" ") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_KubeDumper.add_representer(str, _represent_str)


_TOP_LEVEL_ORDER = ("apiVersion", "kind", "metadata", "spec")


_METADATA_ORDER = ("name", "namespace", "labels", "annotations")


def _ordered(mapping: dict[str, Any], first: tuple[str, ...]) -> dict[str, Any]:
    head = {key: mapping[key] for key in first if key in mapping}
    tail = {key: mapping[key] for key in sorted(mapping) if key not in head}
    return head | tail


def kubernetes_order(document: dict[str, Any]) -> dict[str, Any]:
    """apiVersion, kind, metadata, spec, then the rest alphabetically; nested keys keep their order."""
    ordered = _ordered(document, _TOP_LEVEL_ORDER)
    if isinstance(ordered.get("metadata"), dict):
        ordered["metadata"] = _ordered(ordered["metadata"], _METADATA_ORDER)
    return ordered


def dump_document(document: Any) -> str:
    """Block-style YAML (see `_dump`). Objects repeat across profiles, so each distinct one is
    written once per process: pickle's bytes are the key because they tell apart what equality
    would merge (1 and True and 1.0, "1" and 1) and cost a tenth of writing YAML."""
    return _DUMPED.get(pickle.dumps(document, protocol=pickle.HIGHEST_PROTOCOL), lambda: _dump(document))


_DUMPED: memo.Table[str] = memo.Table("yaml.documents", _MEMO_SIZE)


def dump_ordered_exactly(document: dict[str, Any]) -> str | None:
    """`dump_document(kubernetes_order(document))` when the block writer alone writes it (so
    every value's text is what `dump_hole` writes for it), else None; not remembered."""
    try:
        return _WRITER.write(kubernetes_order(document))
    except Unsupported:
        return None


def dump_hole(value: Any, after_key: bool, indent: int, source: str) -> str | None:
    """How `dump_document` writes `value` after `key:` or `- ` at that depth (BlockWriter.hole),
    or None where the whole document would need PyYAML. `source` is the text `value` was read
    from (its JSON): collections repeat across profiles (resources, Helm values, alert rules),
    so each distinct one is written once per place."""
    try:
        if not isinstance(value, (dict, list)) or not value:
            return _WRITER.hole(value, after_key, indent)
        return _HOLES.get((source, after_key, indent), lambda: _WRITER.hole(value, after_key, indent))
    except Unsupported:
        return None


_HOLES: memo.Table[str] = memo.Table("yaml.holes", _MEMO_SIZE)


def _dump(document: Any) -> str:
    try:
        return _WRITER.write(document)
    except Unsupported:
        return _pyyaml_dump(document)


def _pyyaml_dump(document: Any) -> str:
    """Block-style YAML, exactly what `yaml.dump(document, Dumper=_KubeDumper, sort_keys=False,
    default_flow_style=False, allow_unicode=True, width=1_000_000)` writes, at twice the speed:
    the node tree is built directly instead of through the representer's generic dispatch."""
    stream = io.StringIO()
    dumper = _KubeDumper(stream, default_flow_style=False, allow_unicode=True, width=1_000_000, sort_keys=False)
    try:
        dumper.open()
        dumper.serialize(_node(dumper, document))
        dumper.close()
    finally:
        dumper.dispose()
    return stream.getvalue()


_WRITER = BlockWriter(_pyyaml_dump, memo_name="yaml")


def _node(dumper: _KubeDumper, value: Any) -> yaml.Node:
    # default_flow_style=False makes every collection block style, as represent_mapping would.
    if isinstance(value, str):
        return _represent_str(dumper, value)
    if isinstance(value, dict):
        return yaml.MappingNode(_MAP_TAG, [(_node(dumper, key), _node(dumper, item)) for key, item in value.items()], flow_style=False)
    if isinstance(value, list):
        return yaml.SequenceNode(_SEQ_TAG, [_node(dumper, item) for item in value], flow_style=False)
    node: yaml.Node = dumper.represent_data(value)  # numbers, booleans, null
    return node
