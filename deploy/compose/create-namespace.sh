#!/bin/sh
# Creates the namespace and registers the search attributes the workflows upsert, then checks they are all there.
# Idempotent. One script for both deployments: docker-compose.yml runs it in temporalio/admin-tools, and
# `npm run cluster -- up` runs it with the project's Temporal CLI, so the two cannot drift.
#   TEMPORAL_ADDRESS   the frontend (host:port), read by the temporal CLI
#   NAMESPACE          default "default"
#   WAIT_SECONDS       bound on each wait (frontend serving, namespace visible); default 120
set -eu
NS="${NAMESPACE:-default}"
WAIT_SECONDS="${WAIT_SECONDS:-120}"
# Must match src/shared/search-attributes.ts (test/compose.test.ts checks it).
SEARCH_ATTRIBUTES="BroadcastState=Keyword CampaignId=Keyword BroadcastStart=Datetime Region=Keyword TaskId=Keyword"

# wait_for WHAT COMMAND...: runs COMMAND every second until it succeeds; after WAIT_SECONDS, fails with its last answer.
wait_for() {
  what="$1"
  shift
  deadline=$(($(date +%s) + WAIT_SECONDS))
  until out=$("$@" 2>&1); do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "create-namespace: gave up after ${WAIT_SECONDS} s waiting for ${what}; last answer: ${out}" >&2
      exit 1
    fi
    sleep 1
  done
}

wait_for "the frontend at ${TEMPORAL_ADDRESS:-127.0.0.1:7233} to serve" temporal operator cluster health
if ! temporal operator namespace describe --namespace "$NS" >/dev/null 2>&1; then
  # A create that fails because another run created it meanwhile is fine: describe then succeeds.
  temporal operator namespace create --namespace "$NS" ||
    temporal operator namespace describe --namespace "$NS" >/dev/null
fi
# A new namespace is visible to other calls only once the frontend's namespace cache has refreshed (about 1 s): search
# attributes created before that fail with "Namespace ... is not found" (every fresh cluster came up without them).
wait_for "namespace ${NS} to be visible" temporal operator search-attribute list --namespace "$NS"
for attr in $SEARCH_ATTRIBUTES; do
  # Creating an attribute that exists with the same type succeeds; any other failure stops the script.
  temporal operator search-attribute create --namespace "$NS" --name "${attr%%=*}" --type "${attr#*=}"
done
registered=$(temporal operator search-attribute list --namespace "$NS")
for attr in $SEARCH_ATTRIBUTES; do
  if ! printf '%s\n' "$registered" | grep -qw "${attr%%=*}"; then
    echo "create-namespace: search attribute ${attr%%=*} is missing after creation:" >&2
    printf '%s\n' "$registered" >&2
    exit 1
  fi
done
echo "namespace ${NS} ready; search attributes: ${SEARCH_ATTRIBUTES}"
