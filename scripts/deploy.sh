#!/usr/bin/env bash
# Deploys one environment of claimflow: a thin wrapper over `claimflow infra` (see docs/deploy.md).
# It synthesizes the CDK app, runs cdk-nag (AWS Solutions + HIPAA Security) and, unless
# --validate-only, deploys with the cdk CLI; a template with unacknowledged findings is never deployed.
set -euo pipefail

usage() {
  cat >&2 <<'USAGE'
usage: scripts/deploy.sh --environment dev|staging|prod [--region R] [--bucket B] [--validate-only]
                         [--alert-email ADDRESS] [--alert-sms +15555550100]

  --environment    the environment to deploy (required)
  --region         AWS region (default: the region of your AWS profile)
  --bucket         CDK assets bucket, when the account was bootstrapped with --bootstrap-bucket-name
  --validate-only  synthesize and check only; needs no AWS account or credentials
  --alert-email    e-mail address that receives every alert (AWS sends a confirmation link)
  --alert-sms      phone number that receives critical alerts by SMS
USAGE
  exit "${1:-1}"
}

action=deploy
environment=''
flags=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --environment | --region | --bucket | --alert-email | --alert-sms)
      [[ $# -ge 2 && -n "$2" ]] || usage
      case "$1" in
        --environment) environment="$2" ;;
        --bucket) flags+=(--assets-bucket "$2") ;;
        *) flags+=("$1" "$2") ;;
      esac
      shift 2
      ;;
    --validate-only) action=validate && shift ;;
    -h | --help) usage 0 ;;
    *) echo "deploy.sh: unknown option: $1" >&2 && usage ;;
  esac
done
[[ -n "$environment" ]] || usage

cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec node bin/claimflow.js infra "$action" --environment "$environment" ${flags[@]+"${flags[@]}"}
