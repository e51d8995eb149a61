"""Names an operator derives from its custom resource are the operator's: an object of ours
under such a name is adopted and rewritten by the operator (and reverted by Flux at the next
reconciliation), so both fight forever and neither works.

CloudNativePG creates, for every `Cluster <name>`, the instances' ServiceAccount, Role and
RoleBinding named `<name>`; the Services `<name>-rw`, `-ro` and `-r`; the PodDisruptionBudgets
`<name>` and `<name>-primary`; and the Secrets `<name>-ca`, `-server`, `-replication`,
`-superuser` and (unless bootstrap names its own) `-app`. A Cluster counts whether it is in
the tree or waits in a ConfigMap for a Job to create it (the restore test's scratch cluster).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from clipper_manifests.rules.policy.objects import Document, Finding, Objects
from clipper_manifests.rules.policy.workloads import name, namespace
from clipper_manifests.rules.registry import (
    ERROR,
    tree_rule,
)

CNPG_GROUP = "postgresql.cnpg.io/"
CNPG_SUFFIXES = {
    "ServiceAccount": ("",),
    "Role": ("",),
    "RoleBinding": ("",),
    "Service": ("-rw", "-ro", "-r"),
    "PodDisruptionBudget": ("", "-primary"),
    "Secret": ("-ca", "-server", "-replication", "-superuser", "-app"),
}


def _is_cnpg_cluster(document: Any) -> bool:
    return isinstance(document, dict) and document.get("kind") == "Cluster" and str(document.get("apiVersion", "")).startswith(CNPG_GROUP)


def cnpg_clusters(objects: Objects) -> Iterator[tuple[Document, str]]:
    """Every CloudNativePG Cluster the tree creates, with the namespace it lands in: the
    Clusters themselves, and those a ConfigMap carries for a Job to create."""
    for document in objects.of_kind("Cluster"):
        if _is_cnpg_cluster(document):
            yield document, namespace(document)
    for config_map in objects.of_kind("ConfigMap"):
        for text in (config_map.get("data") or {}).values():
            if "postgresql.cnpg.io/" not in str(text):
                continue
            try:
                documents = list(yaml.safe_load_all(str(text)))
            except yaml.YAMLError:
                continue
            for document in documents:
                if _is_cnpg_cluster(document):
                    yield document, str((document.get("metadata") or {}).get("namespace") or namespace(config_map))


def cnpg_names(cluster: Document) -> dict[str, set[str]]:
    """Kind → the names CloudNativePG owns for this Cluster."""
    base = str(cluster["metadata"]["name"])
    owned = {kind: {base + suffix for suffix in suffixes} for kind, suffixes in CNPG_SUFFIXES.items()}
    initdb = ((cluster.get("spec") or {}).get("bootstrap") or {}).get("initdb") or {}
    recovery = ((cluster.get("spec") or {}).get("bootstrap") or {}).get("recovery") or {}
    for bootstrap in (initdb, recovery):
        secret = (bootstrap.get("secret") or {}).get("name")
        if secret:
            owned["Secret"].discard(secret)  # bootstrap names it: the operator reads it, never writes it
    return owned


@tree_rule("operator-name-taken", ERROR)
def _operator_names(objects: Objects) -> Iterator[Finding]:
    """No object of ours takes a name an operator derives from its resource (CloudNativePG: the ServiceAccount, Role and RoleBinding named
    after a Cluster, its -rw/-ro/-r Services, PDBs and Secrets); the operator would adopt and rewrite it and Flux revert it at every
    reconciliation.

    Fix: give the object its own name (e.g. a -runner suffix) and update what refers to it"""
    clusters = list(cnpg_clusters(objects))
    for kind in CNPG_SUFFIXES:
        for document in objects.of_kind(kind):
            for cluster, where in clusters:
                if namespace(document) == where and name(document) in cnpg_names(cluster)[kind]:
                    yield (
                        document,
                        ("metadata", "name"),
                        f"{kind} {name(document)} is the name CloudNativePG gives the {kind} of Cluster "
                        f"{cluster['metadata']['name']}: the operator takes it over",
                    )
