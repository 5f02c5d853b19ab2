#!/usr/bin/env bash
# Runs the pipeline's test suites for an environment (see docs/deploy.md): a thin wrapper.
#   integration  the AWS-side integration tests (test/integration/aws-*.test.ts: the Lambda handlers
#                and the synthesized stack on the AWS emulator, moto on loopback; no AWS account needed)
#   performance  the benchmark on 1,000,000 generated claim lines, without appending to docs/BENCHMARKS.md
set -euo pipefail

usage() {
  echo 'usage: scripts/test-pipeline.sh --environment dev|staging|prod --test-type integration|performance' >&2
  exit "${1:-1}"
}

environment=''
test_type=''
while [[ $# -gt 0 ]]; do
  case "$1" in
    --environment | --test-type)
      [[ $# -ge 2 ]] || usage
      if [[ "$1" == --environment ]]; then environment="$2"; else test_type="$2"; fi
      shift 2
      ;;
    -h | --help) usage 0 ;;
    *) echo "test-pipeline.sh: unknown option: $1" >&2 && usage ;;
  esac
done
[[ "$environment" =~ ^(dev|staging|prod)$ ]] || usage
[[ "$test_type" =~ ^(integration|performance)$ ]] || usage

cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ "$test_type" == performance ]]; then
  exec npm run bench -- --rows 1000000 --no-append
fi
shopt -s nullglob
tests=(test/integration/aws-*.test.ts)
if [[ ${#tests[@]} -eq 0 ]]; then
  echo 'test-pipeline.sh: no test/integration/aws-*.test.ts to run' >&2
  exit 1
fi
CLAIMFLOW_ENVIRONMENT="$environment" exec node --import tsx --test "${tests[@]}"
