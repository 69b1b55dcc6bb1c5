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

# The programs log one JSON object per line with level, message, service, correlationId,
# orderId and event: the patterns below match those fields (see test/metric-filters.test.ts).
# FATAL is a level of its own: the API's start-up failure (event api.failed) is logged at FATAL,
# and an ERROR-only pattern never counted it. The worker reports its start-up failure at ERROR
# (event worker.start_failed); its filter takes FATAL too, should a fatal line ever appear.
locals {
  api_error_pattern           = "{ ($.level = \"ERROR\") || ($.level = \"FATAL\") }"
  worker_failed_pattern       = "{ $.event = \"order.failed\" }"
  worker_poison_pattern       = "{ $.event = \"order.poison\" }"
  worker_crashed_pattern      = "{ $.event = \"order.delivery_crashed\" }"
  worker_start_failed_pattern = "{ ($.event = \"worker.start_failed\") || ($.level = \"FATAL\") }"
}

resource "aws_cloudwatch_log_metric_filter" "api_errors" {
  name           = "${var.name_prefix}-api-errors"
  log_group_name = aws_cloudwatch_log_group.api.name
  pattern        = local.api_error_pattern

  metric_transformation {
    name          = "ApiErrorCount"
    namespace     = var.metrics_namespace
    value         = "1"
    default_value = "0"
    unit          = "Count"
  }
}

resource "aws_cloudwatch_log_metric_filter" "worker_failed" {
  name           = "${var.name_prefix}-worker-failed"
  log_group_name = aws_cloudwatch_log_group.worker.name
  pattern        = local.worker_failed_pattern

  metric_transformation {
    name          = "WorkerFailedCount"
    namespace     = var.metrics_namespace
    value         = "1"
    default_value = "0"
    unit          = "Count"
  }
}

# A poison event (no such order; in outbox mode its row is then parked) never fixes itself: each
# one needs an operator, so each one is counted.
resource "aws_cloudwatch_log_metric_filter" "worker_poison" {
  name           = "${var.name_prefix}-worker-poison"
  log_group_name = aws_cloudwatch_log_group.worker.name
  pattern        = local.worker_poison_pattern

  metric_transformation {
    name          = "PoisonMessageCount"
    namespace     = var.metrics_namespace
    value         = "1"
    default_value = "0"
    unit          = "Count"
  }
}

# A delivery that died (a defect, e.g. a statement the database refuses for its data) is retried
# and ends in the SQS DLQ; counting it points at the cause minutes before the DLQ alarm does.
resource "aws_cloudwatch_log_metric_filter" "worker_delivery_crashed" {
  name           = "${var.name_prefix}-worker-delivery-crashed"
  log_group_name = aws_cloudwatch_log_group.worker.name
  pattern        = local.worker_crashed_pattern

  metric_transformation {
    name          = "DeliveryCrashedCount"
    namespace     = var.metrics_namespace
    value         = "1"
    default_value = "0"
    unit          = "Count"
  }
}

# A worker that cannot start (bad configuration, database unreachable) exits and is restarted by
# ECS; during a deploy the old tasks keep running, so no other alarm says why the new ones die.
resource "aws_cloudwatch_log_metric_filter" "worker_start_failed" {
  name           = "${var.name_prefix}-worker-start-failed"
  log_group_name = aws_cloudwatch_log_group.worker.name
  pattern        = local.worker_start_failed_pattern

  metric_transformation {
    name          = "WorkerStartFailedCount"
    namespace     = var.metrics_namespace
    value         = "1"
    default_value = "0"
    unit          = "Count"
  }
}
