"""The order a rotation must follow where two things read one password, as `secrets` prints it.

Most secrets rotate by a write to the store: External Secrets brings the value in and Reloader
restarts the API. Two do not:

- **In-cluster Redis.** The API and every Redis node read `clipper/<environment>/redis`. A node
  reads its password only when it starts (the operator passes the Secret as REDIS_PASSWORD; the
  image writes `requirepass` and `masterauth` from it), while Reloader restarts the API as soon
  as the Secret changes: the API would offer a password Redis does not know. So the new password
  is added to every node first (a Redis user may have several passwords), then the store and the
  API change, then the old password is removed, and last the nodes restart one at a time, so
  their exporters and the configuration they start with carry the new one too.
- **In-cluster OpenSearch.** The users live in the security index, which the store cannot reach:
  the nodes' security-sync container writes the admin's and the API's passwords into it.
"""

from __future__ import annotations

from typing import Any

from clipper_manifests.profile.model import Profile
from clipper_manifests.values.external_secrets import BACKEND_TITLES, in_cluster, reference

# Runs inside a Redis container, where REDIS_PASSWORD is the password that node started with;
# the new one arrives on standard input, so it is on no command line outside the pod.
REDIS_ADD = (
    'read -r new; export REDISCLI_AUTH="$REDIS_PASSWORD"; '
    '[ "$(redis-cli ACL SETUSER default ">$new")" = OK ] && [ "$(redis-cli CONFIG SET masterauth "$new")" = OK ]'
)
REDIS_REMOVE = (
    'read -r new; export REDISCLI_AUTH="$new"; '
    '[ "$REDIS_PASSWORD" = "$new" ] || [ "$(redis-cli ACL SETUSER default "<$REDIS_PASSWORD")" = OK ]'
)


def redis_steps(profile: Profile, platform: dict[str, Any]) -> list[str]:
    """The in-cluster Redis password rotation, step by step, with the commands to run."""
    namespace, secrets, api = profile.namespace, platform["secrets"], platform["api"]["name"]
    pods = f"kubectl -n {namespace} get pods -l app.kubernetes.io/name={platform['dataServices']['redis']['name']} -o name | sort"
    remote = reference(profile, platform, "REDIS_PASSWORD")
    stored = f"kubectl -n {namespace} get secret {secrets['redis']} -o jsonpath='{{.data.password}}' | base64 -d"
    each = f'for pod in $({pods}); do printf \'%s\\n\' "$NEW" | kubectl -n {namespace} exec -i "$pod" -- sh -c'
    return [
        "1. Add a new password to every Redis node, beside the one it runs with (both are accepted from now on):",
        "   NEW=$(openssl rand -hex 32)",
        f"   {each} '{REDIS_ADD}' || echo \"FAILED on $pod: stop here\"; done",
        f"2. Write $NEW as property {remote.property} of {remote.key} in {BACKEND_TITLES[profile.secrets.backend]} (a new version),",
        "   and bring both Kubernetes Secrets in at once:",
        f'   kubectl -n {namespace} annotate externalsecret {secrets["api"]} {secrets["redis"]} force-sync="$(date +%s)" --overwrite',
        f"3. Wait until Reloader has rolled the API onto the new password: kubectl -n {namespace} rollout status deployment/{api}",
        "4. Remove the old password from every node (each node still knows it as the password it started with):",
        f"   NEW=$({stored})",
        f"   {each} '{REDIS_REMOVE}' || echo \"FAILED on $pod\"; done",
        "5. Restart the nodes one at a time (followers first), so each starts with the new password from the",
        "   Secret and its exporter reads it too; wait for each to be Ready and the cluster to be ok:",
        f'   for pod in $({pods}); do kubectl -n {namespace} delete "$pod";'
        f' until kubectl -n {namespace} wait --for=condition=Ready "$pod" --timeout=5m; do sleep 5; done;'
        f' kubectl -n {namespace} exec "$pod" -- sh -c \'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli CLUSTER INFO\''
        " | grep cluster_state; done",
    ]


def opensearch_steps(profile: Profile, platform: dict[str, Any]) -> list[str]:
    """The in-cluster OpenSearch rotations: the store, then the security index (security-sync)."""
    namespace, secrets = profile.namespace, platform["secrets"]
    sync = f"{secrets['api']} {secrets['opensearchApp']}"
    app = reference(profile, platform, "OPENSEARCH_PASSWORD")
    admin = reference(profile, platform, "OPENSEARCH_ADMIN")
    name = platform["dataServices"]["opensearch"]["name"]
    once = f"kubectl -n {namespace} exec {name}-0 -c security-sync -- bash /settings/security-sync.sh once"
    return [
        f"- The API's user ({app.key}, username and password): write the new password; then",
        f'  kubectl -n {namespace} annotate externalsecret {sync} force-sync="$(date +%s)" --overwrite',
        f"  and {once}",
        "  (the nodes apply it within a minute anyway). Searches may fall back to PostgreSQL for the minute",
        "  between the API's restart and the index taking the password: the index keeps one password per user.",
        f"- The admin ({admin.key}): write the new password as password and the current one as previous_password",
        "  in the same version (security-sync logs in with previous_password to change it), then force-sync",
        f"  {secrets['opensearchAdmin']} and run the same security-sync command. The metrics exporter reads the admin at start:",
        f"  kubectl -n {namespace} rollout restart statefulset/{name} (one node at a time) once the sync has passed.",
    ]


def rotation_notes(profile: Profile, platform: dict[str, Any]) -> list[str]:
    """What `secrets` prints below its table: the rotations that are more than a write to the store."""
    notes: list[str] = []
    if in_cluster(profile.redis.mode):
        notes += ["", "Rotating redis (the API and the in-cluster Redis read it; in this order, or the API loses Redis):"]
        notes += redis_steps(profile, platform)
    if in_cluster(profile.opensearch.mode):
        notes += ["", "Rotating opensearch and opensearch-admin (in-cluster OpenSearch keeps its users in its security index):"]
        notes += opensearch_steps(profile, platform)
    return notes
