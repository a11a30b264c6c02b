#!/bin/sh
# Runs a command with a Node new enough for the project (>=22.22) first on PATH: the machine's
# own when it is, else Node 24 from the npm package node-linux-<arch>@24 (see use-node.sh).
# npm scripts that run TypeScript go through it, so `npm test` and `npm run demo` work on a
# machine whose node is 20 without anyone sourcing anything.
here=$(dirname "$0")
. "$here/use-node.sh" || exit 1
exec "$@"
