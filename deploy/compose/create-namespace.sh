#!/bin/sh
# Creates the namespace and registers the search attributes the Web UI filters on. Idempotent.
set -eu
NS=default
temporal operator namespace describe --namespace "$NS" >/dev/null 2>&1 || temporal operator namespace create --namespace "$NS"
for attr in BroadcastState=Keyword CampaignId=Keyword BroadcastStart=Datetime Region=Keyword TaskId=Keyword; do
  temporal operator search-attribute create --namespace "$NS" --name "${attr%%=*}" --type "${attr#*=}" || true
done
