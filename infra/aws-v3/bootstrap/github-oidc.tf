# GitHub Actions reaches AWS only through OIDC roles (no stored keys), and all of them live here,
# in the layer an operator applies by hand first: they must exist before the first push (the
# deploy role pushes the first images) and before the pipeline can plan the stack (the plan role
# reads its state). An account has one OIDC provider per URL; set create_github_oidc_provider =
# false to reuse an existing one.
#
# IAM reads only the aud and sub claims of GitHub's tokens (no other claim works as a condition
# key), so each trust pins the workflow through the subject: the repository customises its OIDC
# subject to repo, context and job_workflow_ref (README, step 1), and every trust names the one
# workflow file, and the branch or environment, that may assume the role.

locals {
  github_oidc_host         = "token.actions.githubusercontent.com"
  github_oidc_provider_arn = var.create_github_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : data.aws_iam_openid_connect_provider.github[0].arn
  github_deploy_workflow   = "${var.github_repository}/.github/workflows/deploy.yml@refs/heads/${var.github_branch}"
  github_deploy_subject    = "repo:${var.github_repository}:ref:refs/heads/${var.github_branch}:job_workflow_ref:${local.github_deploy_workflow}"

  # What the deploy role may touch, by the names the stack gives them (cross-checked by
  # test/cross-check-pipeline.test.ts): the stack is applied after this layer.
  stack_ecr_repository_arns = [for program in ["api", "worker"] : "arn:${local.partition}:ecr:${var.aws_region}:${local.account_id}:repository/${var.name_prefix}/${program}"]
  stack_ecs_service_arns    = [for program in ["api", "worker"] : "arn:${local.partition}:ecs:${var.aws_region}:${local.account_id}:service/${var.name_prefix}/${var.name_prefix}-${program}"]
  stack_task_role_arns      = [for role in ["ecs-execution", "api-task", "worker-task"] : "arn:${local.partition}:iam::${local.account_id}:role/${var.name_prefix}-${role}"]
}

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_github_oidc_provider ? 1 : 0

  url            = "https://${local.github_oidc_host}"
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_openid_connect_provider" "github" {
  count = var.create_github_oidc_provider ? 0 : 1

  url = "https://${local.github_oidc_host}"
}

# Every GitHub role trusts GitHub's tokens for one subject only (see the top of this file); they
# differ in the subject, and only the plan role's matches a pattern (any pull request).
locals {
  github_role_trust = {
    deploy      = { sid = "GitHubActionsOneWorkflowOneBranch", test = "StringEquals", subject = local.github_deploy_subject }
    infra_plan  = { sid = "GitHubActionsPullRequestPlans", test = "StringLike", subject = local.github_infra_plan_subject }
    infra_apply = { sid = "GitHubActionsApprovedEnvironment", test = "StringEquals", subject = local.github_infra_apply_subject }
  }
}

data "aws_iam_policy_document" "github_trust" {
  for_each = local.github_role_trust

  statement {
    sid     = each.value.sid
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.github_oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc_host}:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = each.value.test
      variable = "${local.github_oidc_host}:sub"
      values   = [each.value.subject]
    }
  }
}

# ---------------------------------------------------------------------------------------------
# Deploy role: .github/workflows/deploy.yml on the deploy branch pushes images and rolls out.
# ---------------------------------------------------------------------------------------------
resource "aws_iam_role" "github_deploy" {
  name                 = "${var.name_prefix}-github-deploy"
  description          = "GitHub Actions deploy of ${var.github_repository}@${var.github_branch}: push images, roll out the services"
  assume_role_policy   = data.aws_iam_policy_document.github_trust["deploy"].json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "github_deploy" {
  statement {
    sid       = "EcrAuthToken"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # AWS requires "*": the token is account-wide.
  }

  statement {
    sid = "PushImages"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:DescribeImages",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    resources = local.stack_ecr_repository_arns
  }

  statement {
    sid = "TaskDefinitions"
    actions = [
      "ecs:DescribeTaskDefinition",
      "ecs:RegisterTaskDefinition",
    ]
    resources = ["*"] # AWS requires "*": these two actions take no resource-level permission.
  }

  statement {
    sid = "RollOutServices"
    actions = [
      "ecs:DescribeServices",
      "ecs:UpdateService",
    ]
    resources = local.stack_ecs_service_arns
  }

  statement {
    sid       = "PassTaskRoles"
    actions   = ["iam:PassRole"]
    resources = local.stack_task_role_arns

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "github_deploy" {
  name   = "deploy"
  role   = aws_iam_role.github_deploy.id
  policy = data.aws_iam_policy_document.github_deploy.json
}
