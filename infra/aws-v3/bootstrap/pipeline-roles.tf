# The Infra workflow (.github/workflows/infra.yml) plans on pull requests and applies on the
# deploy branch, each through its own role. Both roles live in this layer, beside the state they
# read and write: they must exist before the pipeline's first run, and the stack's own apply
# could otherwise change the role it runs as.

locals {
  github_infra_workflow = "${var.github_repository}/.github/workflows/infra.yml"

  # Pull requests: the context is "pull_request" and the workflow runs from the PR's merge ref.
  github_infra_plan_subject = "repo:${var.github_repository}:pull_request:job_workflow_ref:${local.github_infra_workflow}@refs/pull/*/merge"
  # Only a job in the approval-gated environment, running the deploy branch's infra.yml.
  github_infra_apply_subject = "repo:${var.github_repository}:environment:${var.github_infra_environment}:job_workflow_ref:${local.github_infra_workflow}@refs/heads/${var.github_branch}"

  # The state files of both layers (bootstrap's once it is migrated into the bucket).
  state_object_arns = [for root in ["bootstrap", "stack"] : "${aws_s3_bucket.state.arn}/${var.name_prefix}/${root}.tfstate"]
}

# ---------------------------------------------------------------------------------------------
# Plan role: read-only. A pull request can change infra.yml itself, so what this role may do is
# all a pull request can do: read the state and the few things a plan reads. Pull-request plans
# run with -refresh=false -lock=false: a refresh would read the admin token's secret value
# (aws_secretsmanager_secret_version), and taking the lock would write to the lock table.
# ---------------------------------------------------------------------------------------------

resource "aws_iam_role" "github_infra_plan" {
  name                 = "${var.name_prefix}-github-infra-plan"
  description          = "GitHub Actions terraform plan of ${var.github_repository} pull requests: read-only"
  assume_role_policy   = data.aws_iam_policy_document.github_trust["infra_plan"].json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "github_infra_plan" {
  statement {
    sid       = "ListStateBucket"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.state.arn]
  }

  statement {
    sid       = "ReadState"
    actions   = ["s3:GetObject"]
    resources = local.state_object_arns
  }

  # The S3 backend checks the state's checksum against the digest it keeps in the lock table.
  statement {
    sid       = "ReadStateDigest"
    actions   = ["dynamodb:GetItem"]
    resources = [aws_dynamodb_table.lock.arn]
  }

  # What a plan reads even without refresh: the stack's availability zones and the random
  # ADMIN_TOKEN its ephemeral resource draws (nothing stored), the bootstrap layer's OIDC provider
  # when it is looked up instead of created.
  statement {
    sid = "PlanDataSources"
    actions = [
      "ec2:DescribeAvailabilityZones",
      "iam:ListOpenIDConnectProviders",
      "secretsmanager:GetRandomPassword",
    ]
    resources = ["*"] # AWS requires "*": these actions take no resource-level permission.
  }

  statement {
    sid       = "ReadOidcProvider"
    actions   = ["iam:GetOpenIDConnectProvider"]
    resources = ["arn:${local.partition}:iam::${local.account_id}:oidc-provider/${local.github_oidc_host}"]
  }
}

resource "aws_iam_role_policy" "github_infra_plan" {
  name   = "plan"
  role   = aws_iam_role.github_infra_plan.id
  policy = data.aws_iam_policy_document.github_infra_plan.json
}

# ---------------------------------------------------------------------------------------------
# Apply role: creates and changes everything both layers hold, IAM roles included, which makes it
# administrator-equivalent whatever its policy says: AdministratorAccess, and the guard is the
# trust. Only infra.yml of the deploy branch, in the GitHub Environment whose reviewers approve
# each run, can assume it.
# ---------------------------------------------------------------------------------------------

resource "aws_iam_role" "github_infra_apply" {
  name                 = "${var.name_prefix}-github-infra-apply"
  description          = "GitHub Actions terraform apply of ${var.github_repository}@${var.github_branch}, environment ${var.github_infra_environment}"
  assume_role_policy   = data.aws_iam_policy_document.github_trust["infra_apply"].json
  max_session_duration = 3600
}

resource "aws_iam_role_policy_attachment" "github_infra_apply" {
  role       = aws_iam_role.github_infra_apply.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AdministratorAccess"
}
