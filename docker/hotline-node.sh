#!/usr/bin/env bash
# The hotline container's main process (under tini, which reaps and forwards signals).
# `run` runs the application and starts it again whenever it dies: Asterisk outlives the
# application, so the calls in progress go on and the new application adopts the running Asterisk.
# Any other command is a `hotline` command: `user add ...`, `backup FILE`, `health`. After `setup`
# (the migrations), the SIP edge's own database role, where the database has one, gets its grants.
set -uo pipefail
if [ "${1:-}" = setup ]; then
  hotline "$@" || exit $?
  exec hotline-edge db-role --if-exists
fi
if [ "${1:-}" != run ]; then
  exec hotline "$@"
fi
stopping=0
child=0
on_stop() {
  stopping=1
  if [ "$child" -ne 0 ]; then kill -TERM "$child" 2>/dev/null; fi
}
trap on_stop TERM INT
while :; do
  hotline "$@" &
  child=$!
  wait "$child"
  rc=$?
  while kill -0 "$child" 2>/dev/null; do  # a signal ended the wait, not the application
    wait "$child"
    rc=$?
  done
  child=0
  if [ "$stopping" = 1 ]; then
    exit "$rc"
  fi
  if [ "$rc" = 75 ]; then  # stopped after `hotline drain`: idle until the container is replaced
    echo "hotline-node: the node drained and stopped; waiting to be stopped or replaced" >&2
    while [ "$stopping" = 0 ]; do sleep 1; done
    exit 0
  fi
  echo "hotline-node: the application exited with $rc; starting it again in 2 s" >&2
  sleep 2
done
