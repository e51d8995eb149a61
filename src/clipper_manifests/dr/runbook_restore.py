"""The runbook's restore step: a CloudNativePG recovery Cluster, or the provider's restore and the
switch of the stable names (managed databases)."""

from __future__ import annotations

from clipper_manifests.dr import managed, objects
from clipper_manifests.dr.runbook_text import RunbookText
from clipper_manifests.dr.target import rfc3339
from clipper_manifests.values import postgres
from clipper_manifests.yaml.write import dump_document, kubernetes_order


def restore(book: RunbookText) -> None:
    if book.profile.postgres.mode == "in-cluster":
        restore_in_cluster(book)
    else:
        restore_managed(book)


def restore_in_cluster(book: RunbookText) -> None:
    name, live, plan = objects.cluster_name(book.platform), book.plan.live_cluster, book.plan
    assert live is not None, "in-cluster profiles render a Cluster"
    cluster = objects.restore_cluster(live, book.profile, book.platform, rfc3339(plan.target) if plan.target else None, plan.attempt)
    origin = cluster["spec"]["externalClusters"][0]["plugin"]["parameters"]["serverName"]
    book.new_server = next(p for p in cluster["spec"]["plugins"] if p.get("isWALArchiver"))["parameters"]["serverName"]
    book.step(
        "restore",
        f"A new Cluster `{name}` recovers from archive folder `{origin}` and writes its own WAL to `{book.new_server}` "
        "(CloudNativePG refuses an archive folder that already holds WAL). Same name: postgres-rw, the postgres-app "
        "Secret and the NetworkPolicies stay as they are.",
    )
    if plan.target is None and plan.attempt == 1:
        book.shell(f"kubectl apply -k {plan.folders['restore']}")
    else:
        why = f"recoveryTarget {rfc3339(plan.target)}" if plan.target else f"attempt {plan.attempt}"
        book.say(f"The committed {plan.folders['restore']} restores the latest point; this variant ({why}) is applied instead:", "")
        book.shell("kubectl apply -f - <<'EOF'", dump_document(kubernetes_order(cluster)).rstrip("\n"), "EOF")
    minutes = book.budget.minutes("restore")
    book.say(
        f"Budget {minutes} min; the wait gives up at twice that, and the restore goes on regardless (WAL replay can be "
        "slow; the Cluster's phase and its pods' logs show progress).",
        "",
    )
    book.shell(
        book.k(f"wait --for=condition=Ready clusters.postgresql.cnpg.io/{name} --timeout={2 * minutes}m"),
        book.k(f"get clusters.postgresql.cnpg.io/{name} -w   # in a second terminal: the phase, up to 'Cluster in healthy state'"),
    )
    book.say(
        f"If it fails (no backup, a WAL gap, no access to the bucket): `{book.k(f'describe clusters.postgresql.cnpg.io/{name}')}` "
        f"and the logs of its pods. A retry writes to yet another folder: delete the Cluster, then "
        f"`clipper-manifests dr-plan {book.profile.name} --attempt {plan.attempt + 1}`.",
        "",
    )


def restore_managed(book: RunbookText) -> None:
    profile, plan = book.profile, book.plan
    provider = managed.restore(profile, plan.target, plan.attempt)
    book.step("restore")
    if provider is None:
        book.say(
            f"> **error:** the provider's name of this database is unknown (the endpoint `{managed.endpoint(profile)}` "
            "does not tell it): set dr.managedDatabase.instance in the profile and run dr-plan again.",
            "",
        )
    else:
        book.say(provider.summary + ". The broken instance stays untouched for forensics.", "")
        book.shell(*provider.commands)
    book.step(
        "switch",
        "The API reaches PostgreSQL through stable names; point them at the restored primary (its read "
        "replicas do not exist yet, so reads go to the primary too).",
    )
    book.shell(*switch_commands(book))
    cidrs = profile.network.endpoints.get("postgres")
    if cidrs:
        book.say(
            f"`$NEW_ENDPOINT` must resolve into {', '.join(cidrs.cidrs)} (network.endpoints.postgres), or the "
            "NetworkPolicies drop the connections.",
            "",
        )


def switch_commands(book: RunbookText) -> list[str]:
    commands = []
    for name in postgres.postgres_stable_names(book.profile, book.platform):
        if name.is_address:
            patch = '[{"op":"replace","path":"/endpoints/0/addresses/0","value":"\'"$NEW_ENDPOINT"\'"}]'
            commands.append(book.k(f"patch endpointslice/{name.service} --type=json -p '{patch}'"))
        else:
            patch = '{"spec":{"externalName":"\'"$NEW_ENDPOINT"\'"}}'
            commands.append(book.k(f"patch service/{name.service} --type=merge -p '{patch}'"))
    return commands
