# Trust for every ECS role, limited to tasks of this account (confused-deputy guard).
data "aws_iam_policy_document" "ecs_tasks_trust" {
  statement {
    sid     = "EcsTasks"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:ecs:${var.aws_region}:${local.account_id}:*"]
    }
  }
}

# ---------------------------------------------------------------------------------------------
# Execution role: used by ECS itself to pull images, write logs and read the injected secrets.
# ---------------------------------------------------------------------------------------------

resource "aws_iam_role" "execution" {
  name               = "${var.name_prefix}-ecs-execution"
  description        = "ECS agent: pull images, write logs, read the task secrets"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_trust.json
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "EcrAuthToken"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # AWS requires "*": the token is account-wide.
  }

  statement {
    sid = "PullImages"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:GetDownloadUrlForLayer",
    ]
    resources = [for repository in aws_ecr_repository.program : repository.arn]
  }

  statement {
    sid     = "WriteLogs"
    actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [
      "${aws_cloudwatch_log_group.api.arn}:*",
      "${aws_cloudwatch_log_group.worker.arn}:*",
    ]
  }

  statement {
    sid     = "ReadTaskSecrets"
    actions = ["secretsmanager:GetSecretValue"]
    # Not the database master secret: the programs log in with IAM tokens (db-app-role.tf).
    resources = [aws_secretsmanager_secret.admin_token.arn]
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "execution"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# ---------------------------------------------------------------------------------------------
# Task roles: what the programs themselves may do (the SDK's default credential chain).
# ---------------------------------------------------------------------------------------------

# One role per program, and what it may do: its own document below.
locals {
  program_task_role_descriptions = {
    api    = "Order API: publish order events to the main queue"
    worker = "Order worker: consume the main queue and publish retries through the outbox relay"
  }
  program_task_policies = {
    api    = data.aws_iam_policy_document.api_task.json
    worker = data.aws_iam_policy_document.worker_task.json
  }
}

resource "aws_iam_role" "task" {
  for_each = local.program_task_role_descriptions

  name               = "${var.name_prefix}-${each.key}-task"
  description        = each.value
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_trust.json
}

resource "aws_iam_role_policy" "task" {
  for_each = local.program_task_policies

  name   = "${each.key}-task"
  role   = aws_iam_role.task[each.key].id
  policy = each.value
}

data "aws_iam_policy_document" "api_task" {
  statement {
    sid       = "PublishOrderEvents"
    actions   = ["sqs:SendMessage"] # also authorises SendMessageBatch (the outbox relay)
    resources = [aws_sqs_queue.orders.arn]
  }

  statement {
    sid       = "ConnectAsAppRole"
    actions   = ["rds-db:connect"]
    resources = [local.db_app_user_arn]
  }
}

data "aws_iam_policy_document" "worker_task" {
  statement {
    sid = "ConsumeOrderEvents"
    actions = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
    ]
    resources = [aws_sqs_queue.orders.arn]
  }

  statement {
    sid       = "PublishRetryEvents"
    actions   = ["sqs:SendMessage"] # the worker's outbox relay sends delayed retry messages
    resources = [aws_sqs_queue.orders.arn]
  }

  statement {
    sid       = "ConnectAsAppRole"
    actions   = ["rds-db:connect"]
    resources = [local.db_app_user_arn]
  }
}
