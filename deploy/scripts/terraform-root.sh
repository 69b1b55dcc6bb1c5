#!/usr/bin/env bash
# Terraform for one root in the Infra workflow (.github/workflows/infra.yml):
#
#   deploy/scripts/terraform-root.sh plan  bootstrap|stack   # pull requests, read-only role
#   deploy/scripts/terraform-root.sh apply bootstrap|stack   # main, approved environment, apply role
#
# Both modes: write the root's variables (TFVARS: the contents of its terraform.tfvars) to
# pipeline.auto.tfvars, init against the S3 backend with the committed lock file (readonly), plan
# to a file and put it in the job summary. `plan` runs -lock=false -refresh=false: the plan role
# may not write the lock table, and a refresh would read the admin token's secret value; it shows
# what the change does to the recorded state. `apply` plans with lock and refresh (drift shows),
# then applies exactly that saved plan.
#
# Environment: TF_STATE_BUCKET, TF_LOCK_TABLE, AWS_REGION, NAME_PREFIX, TFVARS; optional
# GITHUB_STEP_SUMMARY, INFRA_DIR (default: infra/aws-v3 of this repository).
set -euo pipefail

mode="${1:-}"
root="${2:-}"
case "$mode" in plan | apply) ;; *) echo "usage: $0 plan|apply bootstrap|stack" >&2 && exit 2 ;; esac
case "$root" in bootstrap | stack) ;; *) echo "usage: $0 plan|apply bootstrap|stack" >&2 && exit 2 ;; esac

for name in TF_STATE_BUCKET TF_LOCK_TABLE AWS_REGION NAME_PREFIX; do
  if [[ -z "${!name:-}" ]]; then
    echo "::error::$name is not set (repository variable; bootstrap output github_repository_variables)"
    exit 1
  fi
done
if [[ -z "${TFVARS:-}" ]]; then
  echo "::error::TFVARS_${root^^} is empty: set it to the contents of infra/aws-v3/$root/terraform.tfvars"
  exit 1
fi

infra_dir="${INFRA_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../infra/aws-v3" && pwd)}"
cd "$infra_dir/$root"

printf '%s\n' "$TFVARS" > pipeline.auto.tfvars

terraform init -input=false -no-color -lockfile=readonly \
  -backend-config="bucket=$TF_STATE_BUCKET" \
  -backend-config="key=$NAME_PREFIX/$root.tfstate" \
  -backend-config="region=$AWS_REGION" \
  -backend-config="dynamodb_table=$TF_LOCK_TABLE" \
  -backend-config="encrypt=true"

if [[ "$mode" == plan ]]; then
  terraform plan -input=false -no-color -lock=false -refresh=false -out=tfplan
else
  terraform plan -input=false -no-color -out=tfplan
fi

terraform show -no-color tfplan > tfplan.txt
if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
  {
    echo "### terraform $mode: $root"
    echo
    grep -E '^(Plan:|No changes\.)' tfplan.txt || true
    echo
    echo "<details><summary>Full plan</summary>"
    echo
    echo '```'
    head -c 60000 tfplan.txt
    echo '```'
    echo "</details>"
    echo
  } >> "$GITHUB_STEP_SUMMARY"
fi

if [[ "$mode" == apply ]]; then
  terraform apply -input=false -no-color tfplan
fi
