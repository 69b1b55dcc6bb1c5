resource "aws_cloudwatch_log_group" "api" {
  name              = "/ecs/${var.name_prefix}/api"
  retention_in_days = var.log_retention_days
}

resource "aws_cloudwatch_log_group" "worker" {
  name              = "/ecs/${var.name_prefix}/worker"
  retention_in_days = var.log_retention_days
}

# Created before RDS so the exported PostgreSQL logs get a retention instead of "never expire".
resource "aws_cloudwatch_log_group" "db" {
  for_each = toset(local.db_log_exports)

  name              = "/aws/rds/instance/${var.name_prefix}-db/${each.key}"
  retention_in_days = var.log_retention_days
}

# The programs log one JSON object per line with level, message, service, correlationId,
# orderId and event: the patterns below match those fields (see test/metric-filters.test.ts).
locals {
  api_error_pattern     = "{ $.level = \"ERROR\" }"
  worker_failed_pattern = "{ $.event = \"order.failed\" }"
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
