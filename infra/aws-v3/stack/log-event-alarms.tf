# Log events that page: each is counted by a metric filter on its program's log group and alarms
# on the topic when it occurs. The key is the alarm's name after the prefix.
#
# The programs log one JSON object per line with level, message, service, correlationId,
# orderId and event: the patterns match those fields (see test/metric-filters.test.ts).
# FATAL is a level of its own: the API's start-up failure (event api.failed) is logged at FATAL,
# and an ERROR-only pattern never counted it. The worker reports its start-up failure at ERROR
# (event worker.start_failed); its filter takes FATAL too, should a fatal line ever appear.
locals {
  log_event_alarms = {
    "api-logged-errors" = {
      log_group           = aws_cloudwatch_log_group.api.name
      filter              = "api-errors"
      pattern             = "{ ($.level = \"ERROR\") || ($.level = \"FATAL\") }"
      metric              = "ApiErrorCount"
      description         = "API errors: the API logged more than ${var.alarm_api_5xx_count} ERROR lines per minute, 3 minutes running."
      period              = 60
      evaluation_periods  = 3
      datapoints_to_alarm = 3
      threshold           = var.alarm_api_5xx_count
    }

    "business-retries-exhausted" = {
      log_group           = aws_cloudwatch_log_group.worker.name
      filter              = "worker-failed"
      pattern             = "{ $.event = \"order.failed\" }"
      metric              = "WorkerFailedCount"
      description         = "Business retry exhaustion: orders reached FAILED and the business DLQ (log event order.failed). See GET /dlq."
      period              = 300
      evaluation_periods  = 1
      datapoints_to_alarm = null
      threshold           = 0
    }

    # A poison event (no such order; in outbox mode its row is then parked) never fixes itself:
    # each one needs an operator, so each one is counted.
    "worker-poison-message" = {
      log_group           = aws_cloudwatch_log_group.worker.name
      filter              = "worker-poison"
      pattern             = "{ $.event = \"order.poison\" }"
      metric              = "PoisonMessageCount"
      description         = "Poison message: the worker received an event for an order that does not exist (log event order.poison). It goes to the SQS DLQ (outbox mode: the row is parked). Find where it came from."
      period              = 300
      evaluation_periods  = 1
      datapoints_to_alarm = null
      threshold           = 0
    }

    # A worker that cannot start (bad configuration, database unreachable) exits and is restarted
    # by ECS; during a deploy the old tasks keep running, so no other alarm says why the new ones
    # die.
    "worker-start-failed" = {
      log_group           = aws_cloudwatch_log_group.worker.name
      filter              = "worker-start-failed"
      pattern             = "{ ($.event = \"worker.start_failed\") || ($.level = \"FATAL\") }"
      metric              = "WorkerStartFailedCount"
      description         = "Worker cannot start (log event worker.start_failed, or a FATAL line): the message names the bad variable or the unreachable dependency. ECS keeps restarting the task; during a deploy the circuit breaker rolls it back."
      period              = 300
      evaluation_periods  = 1
      datapoints_to_alarm = null
      threshold           = 0
    }

    # A delivery that died (a defect, e.g. a statement the database refuses for its data) is
    # retried and ends in the SQS DLQ; counting it points at the cause minutes before the DLQ
    # alarm does.
    "worker-delivery-crashed" = {
      log_group           = aws_cloudwatch_log_group.worker.name
      filter              = "worker-delivery-crashed"
      pattern             = "{ $.event = \"order.delivery_crashed\" }"
      metric              = "DeliveryCrashedCount"
      description         = "Worker defect: a delivery died (log event order.delivery_crashed); it is retried and ends in the SQS DLQ. The log line carries the cause."
      period              = 300
      evaluation_periods  = 1
      datapoints_to_alarm = null
      threshold           = 0
    }
  }
}

resource "aws_cloudwatch_log_metric_filter" "log_event" {
  for_each = local.log_event_alarms

  name           = "${var.name_prefix}-${each.value.filter}"
  log_group_name = each.value.log_group
  pattern        = each.value.pattern

  metric_transformation {
    name          = each.value.metric
    namespace     = var.metrics_namespace
    value         = "1"
    default_value = "0"
    unit          = "Count"
  }
}

resource "aws_cloudwatch_metric_alarm" "log_event" {
  for_each = local.log_event_alarms

  alarm_name          = "${var.name_prefix}-${each.key}"
  alarm_description   = each.value.description
  namespace           = var.metrics_namespace
  metric_name         = aws_cloudwatch_log_metric_filter.log_event[each.key].metric_transformation[0].name
  statistic           = "Sum"
  period              = each.value.period
  evaluation_periods  = each.value.evaluation_periods
  datapoints_to_alarm = each.value.datapoints_to_alarm
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}
