# ---------------------------------------------------------------------------------------------
# The application role. The programs log in as var.db_app_username with an IAM authentication
# token signed per connection (DATABASE_AUTH=iam), never as the master user: no password of
# theirs exists, so RDS rotating the master secret changes nothing for them. The master user
# (password managed and rotated by RDS in Secrets Manager) is for break-glass work only.
#
# The role is created by the master user, inside the VPC: a one-off Fargate task (psql from the
# official PostgreSQL image) runs sql/app-role.sql, idempotently. Terraform runs it (local-exec,
# the AWS CLI) after the database exists and before the services start, and again whenever the
# task definition or the script changes.
# ---------------------------------------------------------------------------------------------

locals {
  # What the task roles may connect as (rds-db:connect): this instance, this user only.
  db_app_user_arn = "arn:${local.partition}:rds-db:${var.aws_region}:${local.account_id}:dbuser:${aws_db_instance.main.resource_id}/${var.db_app_username}"

  db_bootstrap_container = {
    name      = "db-bootstrap"
    image     = "public.ecr.aws/docker/library/postgres:${var.db_engine_version}-alpine"
    essential = true
    command   = ["psql", "--no-psqlrc", "--set=ON_ERROR_STOP=1", "--command", file("${path.module}/sql/app-role.sql")]

    environment = [
      { name = "PGHOST", value = aws_db_instance.main.address },
      { name = "PGPORT", value = tostring(aws_db_instance.main.port) },
      { name = "PGDATABASE", value = aws_db_instance.main.db_name },
      { name = "PGUSER", value = aws_db_instance.main.username },
      # The image has no RDS CA bundle: encrypted (rds.force_ssl), not verified. Nothing of the
      # application's passes here, and the password is the master's, which RDS rotates.
      { name = "PGSSLMODE", value = "require" },
      { name = "PGOPTIONS", value = "-c order_platform.app_role=${var.db_app_username}" },
    ]

    secrets = [
      { name = "PGPASSWORD", valueFrom = "${aws_db_instance.main.master_user_secret[0].secret_arn}:password::" },
    ]

    readonlyRootFilesystem = true

    logConfiguration = {
      logDriver = "awslogs"
      options = {
        "awslogs-group"         = aws_cloudwatch_log_group.db_bootstrap.name
        "awslogs-region"        = var.aws_region
        "awslogs-stream-prefix" = "db-bootstrap"
      }
    }
  }
}

resource "aws_cloudwatch_log_group" "db_bootstrap" {
  name              = "/ecs/${var.name_prefix}/db-bootstrap"
  retention_in_days = var.log_retention_days
}

# Its own execution role: the only one that may read the master secret.
resource "aws_iam_role" "db_bootstrap_execution" {
  name               = "${var.name_prefix}-db-bootstrap-execution"
  description        = "ECS agent for the db-bootstrap task: pull the public PostgreSQL image, write logs, read the master secret"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_trust.json
}

data "aws_iam_policy_document" "db_bootstrap_execution" {
  statement {
    sid       = "WriteLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.db_bootstrap.arn}:*"]
  }

  statement {
    sid       = "ReadMasterSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_db_instance.main.master_user_secret[0].secret_arn]
  }
}

resource "aws_iam_role_policy" "db_bootstrap_execution" {
  name   = "db-bootstrap-execution"
  role   = aws_iam_role.db_bootstrap_execution.id
  policy = data.aws_iam_policy_document.db_bootstrap_execution.json
}

resource "aws_ecs_task_definition" "db_bootstrap" {
  family                   = "${var.name_prefix}-db-bootstrap"
  skip_destroy             = true
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512
  execution_role_arn       = aws_iam_role.db_bootstrap_execution.arn
  container_definitions    = jsonencode([local.db_bootstrap_container])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }
}

resource "terraform_data" "db_app_role" {
  triggers_replace = [aws_ecs_task_definition.db_bootstrap.arn]

  provisioner "local-exec" {
    command = "${path.module}/scripts/run-db-bootstrap.sh"
    environment = {
      AWS_REGION       = var.aws_region
      CLUSTER          = aws_ecs_cluster.main.name
      TASK_DEFINITION  = aws_ecs_task_definition.db_bootstrap.arn
      SUBNETS          = join(",", local.task_subnet_ids)
      SECURITY_GROUP   = aws_security_group.worker.id
      ASSIGN_PUBLIC_IP = local.task_assign_public_ip ? "ENABLED" : "DISABLED"
      LOG_GROUP        = aws_cloudwatch_log_group.db_bootstrap.name
    }
  }

  depends_on = [
    aws_db_instance.main,
    aws_iam_role_policy.db_bootstrap_execution,
    aws_vpc_security_group_egress_rule.worker_https,
    aws_vpc_security_group_egress_rule.worker_to_db,
    aws_vpc_security_group_ingress_rule.db_from_worker,
  ]
}
