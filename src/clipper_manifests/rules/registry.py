"""The one rule registry: every id the tool can report, with its real severities per environment.

A rule with a check is declared by its decorator (`profile_rule`, `tree_rule`, `object_rule`);
an id a stage emits itself (a file that cannot be read, a schema error, a secret found in
output, a Flux path ...) is declared with `declare` next to the code that emits it. Readers
(`rules`, SARIF, docs/profiles.md, `policy.exceptions`) and the runners ask `all_rules`,
`find_rule`, `ids` and `registered`; importing this module registers nothing, `_load` imports
the rule modules on the first question.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from clipper_manifests.problems import Severity

Environment = Literal["production", "staging"]
Scope = Literal["profile", "policy", "security", "delivery", "secrets", "check"]
# profile: profile values; policy: rendered objects (generic); security: the API's secrets, its
# API access, NetworkPolicy reachability; delivery: Flux objects; secrets: secret material in
# files; check: built-in checks (files, schemas, identities, exceptions).
SCOPES: tuple[Scope, ...] = ("profile", "policy", "security", "delivery", "secrets", "check")
Stage = Literal["profile", "objects", "build"]
# The pipeline stage that emits it: profile = read, schema, type, profile rules; objects = checks of
# the rendered objects; build = checks over every profile of a build.

_WORST_FIRST = (Severity.ERROR, Severity.WARNING, Severity.NOTE)

# Every module that declares rules, in the order the runners run them (and so the order problems
# come in): a rule's place is its module's index here, then its line in the module.
RULE_MODULES = (
    "clipper_manifests.rules.profile.core",
    "clipper_manifests.rules.profile.postgres",
    "clipper_manifests.rules.profile.redis_opensearch",
    "clipper_manifests.rules.profile.recovery",
    "clipper_manifests.rules.profile.edge",
    "clipper_manifests.rules.profile.endpoints",
    "clipper_manifests.rules.profile.kubernetes_values",
    "clipper_manifests.rules.profile.monitoring",
    "clipper_manifests.rules.profile.region",
    "clipper_manifests.rules.profile.resources",
    "clipper_manifests.rules.profile.secrets",
    "clipper_manifests.rules.profile.files",
    "clipper_manifests.rules.profile.schema_check",
    "clipper_manifests.rules.profile.extends",
    "clipper_manifests.rules.policy.api_versions",
    "clipper_manifests.rules.policy.availability",
    "clipper_manifests.rules.policy.config_refs",
    "clipper_manifests.rules.policy.containers",
    "clipper_manifests.rules.policy.hardening",
    "clipper_manifests.rules.policy.helm_values",
    "clipper_manifests.rules.policy.image_digests",
    "clipper_manifests.rules.policy.image_freshness",
    "clipper_manifests.rules.policy.network_coverage",
    "clipper_manifests.rules.policy.operator_names",
    "clipper_manifests.rules.policy.pod_security",
    "clipper_manifests.rules.policy.references",
    "clipper_manifests.rules.policy.secret_objects",
    "clipper_manifests.rules.security.wiring",
    "clipper_manifests.rules.security.reachability_check",
    "clipper_manifests.rules.delivery",
    "clipper_manifests.rules.secrets.scan",
    "clipper_manifests.rules.object_schemas.kubernetes",
    "clipper_manifests.rules.object_schemas.crds",
    "clipper_manifests.rules.exceptions",
    "clipper_manifests.rules.identity",
)


@dataclass(frozen=True)
class Severities:
    """Every severity a rule can report, per environment, worst first; () = never fires there."""

    production: tuple[Severity, ...]
    staging: tuple[Severity, ...]

    @classmethod
    def always(cls, *severities: Severity) -> Severities:
        return cls(severities, severities)

    @classmethod
    def production_only(cls, severity: Severity = Severity.ERROR) -> Severities:
        return cls((severity,), ())

    @classmethod
    def split(cls, production: tuple[Severity, ...], staging: tuple[Severity, ...]) -> Severities:
        return cls(production, staging)

    def of(self, environment: Environment) -> tuple[Severity, ...]:
        return self.production if environment == "production" else self.staging

    @property
    def worst(self) -> Severity:
        """SARIF's default level, and the severity of a policy finding that names none."""
        return next(s for s in _WORST_FIRST if s in self.production or s in self.staging)

    def text(self) -> str:
        """ "error", "error/warning", "error in production only", "error in production, warning in staging"."""
        production, staging = ("/".join(s.value for s in group) for group in (self.production, self.staging))
        if self.production == self.staging:
            return production
        if not self.staging:
            return f"{production} in production only"
        return f"{production} in production, {staging} in staging"


E, W, N = Severity.ERROR, Severity.WARNING, Severity.NOTE
ERROR = Severities.always(E)
WARNING = Severities.always(W)
NOTE = Severities.always(N)
ERROR_OR_WARNING = Severities.always(E, W)
PRODUCTION_ERROR = Severities.split((E,), (W,))  # rules that yield production_error(profile)
PRODUCTION_ONLY = Severities.production_only()


@dataclass(frozen=True)
class Rule:
    id: str  # "schema:<keyword>" stands for every schema:<validator>
    scope: Scope
    stage: Stage
    severities: Severities
    summary: str
    fix: str
    keys: tuple[str, ...] = ()  # profile keys (dotted camelCase) the rule judges; "*" = all
    # profile rules: check(profile) -> (key_path, message, Severity); policy rules:
    # check(objects) -> (document, key_path, message[, Severity]); None: emitted by `emitted_by`.
    check: Callable[..., Iterator[Any]] | None = field(default=None, compare=False, repr=False)
    emitted_by: str = ""  # "module:function" when check is None
    place: tuple[str, int] = field(default=("", 0), compare=False, repr=False)  # module, line


_RULES: dict[str, Rule] = {}
_ORDERED: dict[Scope, list[Rule]] = {}
_loaded = False
F = TypeVar("F", bound=Callable[..., Any])


def _add(rule: Rule) -> None:
    if rule.id in _RULES:
        raise ValueError(f"rule {rule.id} is declared twice")
    _RULES[rule.id] = rule
    _ORDERED.clear()


def _place(function: Callable[..., Any]) -> tuple[str, int]:
    return function.__module__, function.__code__.co_firstlineno


def _texts(check: Callable[..., Any], summary: str, fix: str) -> tuple[str, str]:
    """What a rule checks and how to fix a finding: the check's docstring, its first paragraph and its
    `Fix:` paragraph, each read as one line (a wrapped line joins the next with a space), so that a
    declaration is its decorator's one line; `summary`/`fix` given to the decorator instead serve a
    text built from constants."""
    if summary and fix:
        return summary, fix
    said, _, how = inspect.cleandoc(check.__doc__ or "").partition("\n\nFix: ")
    if not said or not how:
        raise ValueError(f"{check.__qualname__}: a rule's check needs a docstring: what it checks, then a `Fix:` paragraph")
    return summary or said.replace("\n", " "), fix or how.replace("\n", " ")


def _rule(rule_id: str, scope: Scope, severities: Severities, keys: tuple[str, ...], texts: tuple[str, str], check: F, run: Any) -> None:
    summary, fix = _texts(check, *texts)
    _add(Rule(rule_id, scope, "objects" if scope == "policy" else "profile", severities, summary, fix, keys, run, place=_place(check)))


def profile_rule(rule_id: str, severities: Severities, *keys: str, summary: str = "", fix: str = "") -> Callable[[F], F]:
    """`@profile_rule(id, severities, *profile keys it judges)` on `check(profile) -> (key_path, message, Severity)`."""

    def register(check: F) -> F:
        _rule(rule_id, "profile", severities, keys, (summary, fix), check, check)
        return check

    return register


def tree_rule(rule_id: str, severities: Severities, *keys: str, summary: str = "", fix: str = "") -> Callable[[F], F]:
    """A policy rule over all rendered objects: findings are (document, key path, message[, Severity])."""

    def register(check: F) -> F:
        _rule(rule_id, "policy", severities, keys, (summary, fix), check, check)
        return check

    return register


def object_rule(rule_id: str, severities: Severities, *keys: str, summary: str = "", fix: str = "") -> Callable[[F], F]:
    """A policy rule that looks at one object at a time: findings are (key path, message)."""

    def register(check: F) -> F:
        def over_tree(objects: Any) -> Iterator[tuple[Any, ...]]:
            for document in objects.documents:
                for path, message in check(document):
                    yield document, path, message

        _rule(rule_id, "policy", severities, keys, (summary, fix), check, over_tree)
        return check

    return register


Entry = tuple[str, Severities, str, str, tuple[str, ...]]  # id, severities, summary, fix, keys


def declare(*entries: Entry, scope: Scope, stage: Stage, emitted_by: str) -> None:
    """Ids a stage emits itself (no check of their own), declared next to the emitting code."""
    for rule_id, severities, summary, fix, keys in entries:
        _add(Rule(rule_id, scope, stage, severities, summary, fix, keys, emitted_by=emitted_by))


def _load() -> None:
    global _loaded  # noqa: PLW0603 - the rule modules are imported once, on the first question
    if not _loaded:
        _loaded = True
        for module in RULE_MODULES:
            importlib.import_module(module)


def registered(scope: Scope) -> list[Rule]:
    """The rules of a scope that have a check, in run order (RULE_MODULES, then source line):
    the order does not depend on which rule module happened to be imported first."""
    _load()
    if scope not in _ORDERED:
        rules = [rule for rule in _RULES.values() if rule.scope == scope and rule.check is not None]
        _ORDERED[scope] = sorted(rules, key=lambda rule: (RULE_MODULES.index(rule.place[0]), rule.place[1]))
    return _ORDERED[scope]


def all_rules(scope: Scope | None = None) -> list[Rule]:
    """Every rule (or a scope's), grouped by scope in SCOPES order, ids sorted within a scope."""
    _load()
    rules = [rule for rule in _RULES.values() if scope is None or rule.scope == scope]
    return sorted(rules, key=lambda rule: (SCOPES.index(rule.scope), rule.id))


def find_rule(rule_id: str) -> Rule | None:
    """The rule of a problem's id (`schema:required` belongs to `schema:<keyword>`)."""
    _load()
    return _RULES.get("schema:<keyword>" if rule_id.startswith("schema:") else rule_id)


def ids() -> frozenset[str]:
    """Every declared id (for `policy.exceptions`)."""
    _load()
    return frozenset(_RULES)
