"""The runbook's steps around the restore: detect, prepare, verify, base backup, resume, and the
Jobs that run after traffic is back."""

from __future__ import annotations

from clipper_manifests.dr import managed, objects
from clipper_manifests.dr.runbook_text import RunbookText
from clipper_manifests.values.application import migration_job_name
from clipper_manifests.yaml.write import dump_document, kubernetes_order


def alertmanager_statefulset(release: str) -> str:
    """The StatefulSet prometheus-operator runs for kube-prometheus-stack's Alertmanager: the
    chart's fullname (the release name when it contains the chart's name, else both; at most 26
    characters) + "-alertmanager", prefixed "alertmanager-" by the operator."""
    chart = "kube-prometheus-stack"
    fullname = (release if chart in release else f"{release}-{chart}")[:26].rstrip("-")
    return f"alertmanager-{fullname}-alertmanager"


def detect(book: RunbookText) -> None:
    book.step(
        "detect",
        "A restore loses every write after the restored point and takes the API down: decide on it only when the data "
        "is lost or corrupted (a dropped table, a bad migration, a destroyed volume or instance), not when the database "
        "is merely unreachable (then fix the network, the node or the failover instead). Look, then decide with the "
        "incident lead and write the decision and the restore point into the incident channel.",
    )
    if book.profile.postgres.mode == "in-cluster":
        name = objects.cluster_name(book.platform)
        book.shell(
            book.k(f"get clusters.postgresql.cnpg.io/{name} pods -l cnpg.io/cluster={name}"),
            book.k(f"logs -l cnpg.io/cluster={name},cnpg.io/instanceRole=primary -c postgres --tail=50"),
        )
    else:
        book.shell(*managed.status_commands(book.profile))


def silence(book: RunbookText, verb: str) -> str:
    """amtool inside the Alertmanager pod (the image carries it): no port-forward needed."""
    monitoring = book.profile.monitoring
    where = f"kubectl -n {monitoring.namespace} exec statefulset/{alertmanager_statefulset(monitoring.release_label)} -c alertmanager --"
    url = "--alertmanager.url=http://localhost:9093"
    if verb == "add":
        comment = f"DR {book.profile.name}: PostgreSQL restore in progress"
        duration = f"{book.budget.total}m"
        return f'SILENCE=$({where} amtool silence add namespace={book.ns} --duration={duration} --comment="{comment}" {url})'
    return f'{where} amtool silence expire "$SILENCE" {url}'


def prepare(book: RunbookText) -> None:
    api, stage = book.platform["api"]["name"], book.plan.flux_stage
    book.step(
        "prepare",
        f"Silence namespace `{book.ns}` in Alertmanager until traffic should be back (the API's alerts are expected now; "
        "the silence expires by itself, and step 'resume' lifts it), stop Flux from undoing the recovery, and stop the "
        "API from writing. Keep `$SILENCE` in this shell.",
    )
    book.shell(
        silence(book, "add"),
        f"flux suspend kustomization {stage} -n {book.platform['flux']['namespace']}",
        book.k(f"scale deployment/{api} --replicas=0"),
        book.k(f"wait --for=delete pod -l app.kubernetes.io/name={api} --timeout=2m"),
    )
    if book.profile.postgres.mode != "in-cluster":
        return
    name = objects.cluster_name(book.platform)
    book.say(
        "The broken cluster (if it is still there) must go before its replacement of the same name. If its primary still "
        "answers, push its last WAL to the archive first; deleting the Cluster deletes its volumes, and what the archive "
        "holds is all that stays.",
        "",
    )
    book.shell(
        book.k(
            f'exec "$({book.k(f"get pod -l cnpg.io/cluster={name},cnpg.io/instanceRole=primary -o name")})" -c postgres '
            "-- psql -c 'SELECT pg_switch_wal()'"
        ),
        book.k(f"delete clusters.postgresql.cnpg.io/{name} --wait --timeout=5m"),
    )


def verify(book: RunbookText) -> None:
    book.step(
        "verify",
        "Before any traffic: schema version (golang-migrate, not dirty), extensions, key tables against the figures from "
        "before the incident. Every check reports; the Job fails if one did. (Search is checked after its rebuild.)",
    )
    expected = book.plan.expected
    tables = book.platform["dr"]["keyTables"]
    if expected:
        literals = " ".join(f"--from-literal={table}={count}" for table, count in sorted(expected.items()))
        book.shell(book.k(f"create configmap {objects.EXPECTED_COUNTS} {literals} --dry-run=client -o yaml") + " | kubectl apply -f -")
    else:
        book.say(
            f"No expected row counts were given (`--expect TABLE=ROWS` for {', '.join(tables)}): the check only requires non-empty tables.",
            "",
        )
    verify_commands(book, "verify")
    book.say(
        f"Schema behind this release: `{book.k(f'delete job/{migration_job_name(book.profile)}')}` (Flux runs the migration "
        "again when it resumes), hand back to Flux below, then verify again before scaling the API up. Dirty, empty or "
        "missing data: do not resume traffic; restore to an earlier --point-in-time instead.",
        "",
    )


def verify_job(book: RunbookText, key: str, note: str) -> None:
    book.step(key, note)
    verify_commands(book, key)


def verify_commands(book: RunbookText, key: str) -> None:
    job = objects.JOBS[key]
    book.shell(
        book.k(f"delete job/{job} --ignore-not-found"),
        f"kubectl apply -k {book.plan.folders[key]}",
        book.k(f"wait --for=condition=Complete job/{job} --timeout={deadline(book, key)}m; {book.k(f'logs job/{job} --all-containers')}"),
    )


def base_backup(book: RunbookText) -> None:
    if book.profile.postgres.mode != "in-cluster":
        return
    live, plan = book.plan.live_cluster, book.plan
    assert live is not None, "in-cluster profiles render a Cluster"
    backup = objects.base_backup(live, book.profile, book.platform, plan.attempt)
    name = backup["metadata"]["name"]
    book.step(
        "backup",
        f"Mandatory before traffic: the new archive folder `{book.new_server}` holds WAL but no base backup to replay it "
        "onto, so until this Backup completes nothing written after the restore could be recovered.",
    )
    if plan.attempt == 1:
        book.shell(f"kubectl apply -k {plan.folders['backup']}")
    else:
        book.say(f"The committed {plan.folders['backup']} names the first attempt's backup; this one is applied instead:", "")
        book.shell("kubectl apply -f - <<'EOF'", dump_document(kubernetes_order(backup)).rstrip("\n"), "EOF")
    wait = 2 * book.budget.minutes("backup")  # the backup goes on if the wait gives up
    book.shell(book.k(f"wait --for=jsonpath='{{.status.phase}}'=completed backups.postgresql.cnpg.io/{name} --timeout={wait}m"))
    book.say(
        f"Phase `failed`: `{book.k(f'describe backups.postgresql.cnpg.io/{name}')}` (bucket access, the plugin's sidecar "
        "logs); fix it and apply again under a new name. Do not resume traffic without a completed base backup.",
        "",
    )


def hand_back(book: RunbookText) -> None:
    profile, flux_ns, api = book.profile, book.platform["flux"]["namespace"], book.platform["api"]["name"]
    book.step("resume", "Commit what changed, so that Flux does not undo it, then let traffic in.")
    if profile.postgres.mode == "in-cluster":
        book.say(
            f"In {book.plan.profile_file}: `postgres.inCluster.objectStore.serverName: {book.new_server}` (the "
            "restored cluster's archive folder; Flux would otherwise move the archive back to the old folder).",
            "",
        )
        commit = f"{profile.name}: PostgreSQL restored, archiving to {book.new_server}"
        name = objects.cluster_name(book.platform)
        drop = '[{"op":"remove","path":"/spec/bootstrap/recovery"},{"op":"remove","path":"/spec/externalClusters"}]'
        patch = book.k(f"patch clusters.postgresql.cnpg.io/{name} --type=json")
        extra = [f"{patch} -p '{drop}'   # bootstrap done: Flux's initdb must not meet it"]
    else:
        instance = managed.instance(profile)
        new = objects.next_name(instance, book.plan.attempt) if instance else "<the restored instance>"
        book.say(
            f"In {book.plan.profile_file}: `postgres.managed.endpoint: <$NEW_ENDPOINT>`, `readEndpoints: []` until "
            f"replicas of the new primary exist, and `dr.managedDatabase.instance: {new}`.",
            "",
        )
        commit, extra = f"{profile.name}: PostgreSQL restored into {new}", []
    book.shell(
        f"clipper-manifests render {profile.name}",
        f'git add {book.plan.profile_file} {book.plan.out} && git commit -m "{commit}" && git push',
        *extra,
        f"flux resume kustomization {book.plan.flux_stage} -n {flux_ns}",
        f"flux reconcile kustomization {book.plan.flux_stage} -n {flux_ns} --with-source",
        book.k(f"scale deployment/{api} --replicas={profile.api.replicas.min}   # the HPA takes over from here"),
        book.k(f"rollout status deployment/{api} --timeout=5m"),
        f"curl -fsS https://{profile.domain}{book.platform['api']['health']['loadBalancer']}",
        silence(book, "expire") + "   # alerts reach people again",
    )


def after_traffic(book: RunbookText) -> None:
    folders = book.plan.folders
    if "reindex" not in folders:
        book.say(
            "## Search indices: not rebuilt",
            "",
            "images.tools is not set: no Job can run search-index-manager. Set it and render again; until then search "
            "answers from the indices as they were before the restore.",
            "",
        )
        return
    job(
        book,
        "reindex",
        "Traffic is back; search is rebuilt now, not before: the API serves without OpenSearch (readiness stays 200, "
        "'degraded', and search falls back to PostgreSQL full-text search), and until the alias swap the old indices may "
        "list clips the restored database no longer has. search-index-manager exits 0 even when one index failed: read "
        "its log; step 'verify-search' compares every alias with its table.",
    )
    if "reembed" in folders:
        force = " with -force: every clip is embedded again (API cost)" if book.profile.dr.reembed.force else ""
        job(
            book,
            "reembed",
            f"Optional: a restore brings the embeddings back with the clips. Run it when clips "
            f"lack embeddings, or{force or ' set dr.reembed.force after a model change'}.",
        )
    verify_job(
        book,
        "verify-search",
        "The checks of step 'verify' again, and every search alias against its table.",
    )


def job(book: RunbookText, key: str, note: str) -> None:
    job, folder = objects.JOBS[key], book.plan.folders[key]
    book.step(key, note)
    book.shell(
        book.k(f"delete job/{job} --ignore-not-found   # a finished Job of an earlier run would not run again"),
        f"kubectl apply -k {folder}",
        book.k(f"wait --for=condition=Complete job/{job} --timeout={deadline(book, key)}m || {book.k(f'describe job/{job}')}"),
        book.k(f"logs job/{job} -c {key}   # follow it from a second terminal with logs -f"),
    )


def deadline(book: RunbookText, key: str) -> int:
    """How long to wait for a Job: its deadline (the budget is only what it should take)."""
    dr_settings = book.profile.dr
    deadlines = {"reindex": dr_settings.reindex.timeout_minutes, "reembed": dr_settings.reembed.timeout_minutes}
    return deadlines.get(key, dr_settings.verify.timeout_minutes)
