resource "aws_cloudwatch_log_group" "api" {
  name              = "/ecs/${var.name_prefix}/api"
  retention_in_days = var.log_retention_days
}

resource "aws_cloudwatch_log_group" "worker" {
  name              = "/ecs/${var.name_prefix}/worker"
  retention_in_days = var.log_retention_days
}

# Created before RDS so the exported PostgreSQL logs get a retention instead of "never expire".
# The programs' containers log through awslogs to their own group, each under its own stream
# prefix; non-blocking, so a slow CloudWatch never stalls a program (up to 25 MiB of lines wait).
locals {
  program_log_configuration = {
    for program, group in { api = aws_cloudwatch_log_group.api.name, worker = aws_cloudwatch_log_group.worker.name } : program => {
      logDriver                 = "awslogs"
      options = {
        "awslogs-group"         = group
        "awslogs-region"        = var.aws_region
        "awslogs-stream-prefix" = program
        "mode"                  = "non-blocking"
        "max-buffer-size"       = "25m"
      }
    }
  }
}

resource "aws_cloudwatch_log_group" "db" {
  for_each = toset(local.db_log_exports)

  name              = "/aws/rds/instance/${var.name_prefix}-db/${each.key}"
  retention_in_days = var.log_retention_days
}
