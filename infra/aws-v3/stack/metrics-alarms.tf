# Every row of the failure matrix raises an alarm on this topic (see the README's table).

resource "aws_sns_topic" "alarms" {
  name = "${var.name_prefix}-alarms"
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count = var.alarm_email != "" ? 1 : 0

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

data "aws_iam_policy_document" "alarms_topic" {
  statement {
    sid       = "CloudWatchAlarms"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:cloudwatch:${var.aws_region}:${local.account_id}:alarm:${var.name_prefix}-*"]
    }
  }

  statement {
    sid       = "EventBridgeRules"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:events:${var.aws_region}:${local.account_id}:rule/${var.name_prefix}-*"]
    }
  }
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarms_topic.json
}

# The failure matrix's alarms on a metric, each notifying the topic when it goes into ALARM and
# when it recovers. The log events that page (business retry exhaustion, poison message, start
# failure, crashed delivery, API errors) are counted and alarmed on in log-event-alarms.tf.
locals {
  metric_alarms = {
    # Worker stuck: messages wait although workers run.
    "worker-stuck-oldest-message" = {
      description         = "Worker stuck: the oldest message of ${aws_sqs_queue.orders.name} has waited more than ${var.alarm_oldest_message_age_seconds} s for 5 minutes."
      namespace           = "AWS/SQS"
      metric              = "ApproximateAgeOfOldestMessage"
      dimensions          = { QueueName = aws_sqs_queue.orders.name }
      statistic           = "Maximum"
      period              = 60
      evaluation_periods  = 5
      comparison_operator = "GreaterThanThreshold"
      threshold           = var.alarm_oldest_message_age_seconds
      treat_missing_data  = "notBreaching"
    }

    "worker-stuck-backlog" = {
      description         = "Worker stuck: more than ${var.alarm_backlog_messages} visible messages for 15 minutes, after autoscaling had its chance."
      namespace           = "AWS/SQS"
      metric              = "ApproximateNumberOfMessagesVisible"
      dimensions          = { QueueName = aws_sqs_queue.orders.name }
      statistic           = "Maximum"
      period              = 60
      evaluation_periods  = 15
      comparison_operator = "GreaterThanThreshold"
      threshold           = var.alarm_backlog_messages
      treat_missing_data  = "notBreaching"
    }

    "worker-not-running" = {
      description         = "Worker crash: no worker task has been running for 3 minutes."
      namespace           = "ECS/ContainerInsights"
      metric              = "RunningTaskCount"
      dimensions          = { ClusterName = aws_ecs_cluster.main.name, ServiceName = aws_ecs_service.worker.name }
      statistic           = "Minimum"
      period              = 60
      evaluation_periods  = 3
      comparison_operator = "LessThanThreshold"
      threshold           = 1
      treat_missing_data  = "breaching"
    }

    # Relay stuck: orders are accepted (the API answers 202) but their events never leave the
    # outbox. The programs' own gauge (EMF, without dimensions: one elected api or worker task
    # samples the table, the others report nothing or 0, so Maximum is the sampler's figure).
    "relay-stuck-outbox-age" = {
      description         = "Relay stuck: an outbox row has been due for more than ${var.alarm_outbox_oldest_age_seconds} s for 5 minutes (outbox_oldest_age_seconds): orders are accepted but not delivered."
      namespace           = var.metrics_namespace
      metric              = "outbox_oldest_age_seconds"
      dimensions          = null
      statistic           = "Maximum"
      period              = 60
      evaluation_periods  = 5
      comparison_operator = "GreaterThanThreshold"
      threshold           = var.alarm_outbox_oldest_age_seconds
      treat_missing_data  = "notBreaching"
    }

    # Dead letters: infrastructure failures (SQS DLQ) and business retry exhaustion (database DLQ).
    "sqs-dlq-not-empty" = {
      description         = "DLQ growth: ${aws_sqs_queue.orders_dlq.name} holds messages the worker could not handle (crash, infrastructure error, poison message). Inspect, fix, redrive."
      namespace           = "AWS/SQS"
      metric              = "ApproximateNumberOfMessagesVisible"
      dimensions          = { QueueName = aws_sqs_queue.orders_dlq.name }
      statistic           = "Maximum"
      period              = 60
      evaluation_periods  = 1
      comparison_operator = "GreaterThanThreshold"
      threshold           = 0
      treat_missing_data  = "notBreaching"
    }

    # API: broken deploy and slowness.
    "api-elb-5xx" = {
      description         = "API broken deploy: the load balancer answers 5xx (no healthy target, timeouts)."
      namespace           = "AWS/ApplicationELB"
      metric              = "HTTPCode_ELB_5XX_Count"
      dimensions          = { LoadBalancer = aws_lb.main.arn_suffix }
      statistic           = "Sum"
      period              = 60
      evaluation_periods  = 3
      comparison_operator = "GreaterThanThreshold"
      threshold           = var.alarm_api_5xx_count
      treat_missing_data  = "notBreaching"
    }

    "api-target-5xx" = {
      description         = "API broken deploy: API tasks answer 5xx (infrastructure failures, logged at ERROR)."
      namespace           = "AWS/ApplicationELB"
      metric              = "HTTPCode_Target_5XX_Count"
      dimensions          = { LoadBalancer = aws_lb.main.arn_suffix, TargetGroup = aws_lb_target_group.api.arn_suffix }
      statistic           = "Sum"
      period              = 60
      evaluation_periods  = 3
      comparison_operator = "GreaterThanThreshold"
      threshold           = var.alarm_api_5xx_count
      treat_missing_data  = "notBreaching"
    }

    "api-no-healthy-targets" = {
      description         = "API broken deploy: no API task passes the readiness check."
      namespace           = "AWS/ApplicationELB"
      metric              = "HealthyHostCount"
      dimensions          = { LoadBalancer = aws_lb.main.arn_suffix, TargetGroup = aws_lb_target_group.api.arn_suffix }
      statistic           = "Minimum"
      period              = 60
      evaluation_periods  = 2
      comparison_operator = "LessThanThreshold"
      threshold           = 1
      treat_missing_data  = "breaching"
    }

    "api-slow-p95" = {
      description         = "Slow API: p95 target response time above ${var.alarm_api_p95_latency_seconds} s for 5 minutes."
      namespace           = "AWS/ApplicationELB"
      metric              = "TargetResponseTime"
      dimensions          = { LoadBalancer = aws_lb.main.arn_suffix, TargetGroup = aws_lb_target_group.api.arn_suffix }
      statistic           = "p95"
      period              = 60
      evaluation_periods  = 5
      comparison_operator = "GreaterThanThreshold"
      threshold           = var.alarm_api_p95_latency_seconds
      treat_missing_data  = "notBreaching"
    }

    # Database: overload, connections, disk.
    "db-cpu-high" = {
      description         = "DB overload: RDS CPU above ${var.alarm_db_cpu_percent} % for 15 minutes."
      namespace           = "AWS/RDS"
      metric              = "CPUUtilization"
      dimensions          = { DBInstanceIdentifier = aws_db_instance.main.identifier }
      statistic           = "Average"
      period              = 300
      evaluation_periods  = 3
      comparison_operator = "GreaterThanThreshold"
      threshold           = var.alarm_db_cpu_percent
      treat_missing_data  = "missing"
    }

    "db-connections-high" = {
      description         = "DB overload: connections above 80 % of the instance's max_connections."
      namespace           = "AWS/RDS"
      metric              = "DatabaseConnections"
      dimensions          = { DBInstanceIdentifier = aws_db_instance.main.identifier }
      statistic           = "Maximum"
      period              = 60
      evaluation_periods  = 5
      comparison_operator = "GreaterThanThreshold"
      threshold           = floor(lookup(local.rds_max_connections, var.db_instance_class, 0) * 0.8)
      treat_missing_data  = "missing"
    }

    "db-free-storage-low" = {
      description         = "Disk exhaustion: RDS free storage below ${var.alarm_db_free_storage_bytes} bytes (storage autoscaling tops out at ${var.db_max_allocated_storage_gb} GiB)."
      namespace           = "AWS/RDS"
      metric              = "FreeStorageSpace"
      dimensions          = { DBInstanceIdentifier = aws_db_instance.main.identifier }
      statistic           = "Minimum"
      period              = 300
      evaluation_periods  = 1
      comparison_operator = "LessThanThreshold"
      threshold           = var.alarm_db_free_storage_bytes
      treat_missing_data  = "missing"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "metric" {
  for_each = local.metric_alarms

  alarm_name        = "${var.name_prefix}-${each.key}"
  alarm_description = each.value.description
  namespace         = each.value.namespace
  metric_name       = each.value.metric
  dimensions        = each.value.dimensions
  # CloudWatch takes a percentile (p95) as an extended statistic.
  statistic          = startswith(each.value.statistic, "p") ? null : each.value.statistic
  extended_statistic = startswith(each.value.statistic, "p") ? each.value.statistic : null
  period             = each.value.period
  evaluation_periods = each.value.evaluation_periods
  # Every period of the window must breach; over one period that is CloudWatch's default.
  datapoints_to_alarm = each.value.evaluation_periods > 1 ? each.value.evaluation_periods : null
  comparison_operator = each.value.comparison_operator
  threshold           = each.value.threshold
  treat_missing_data  = each.value.treat_missing_data
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}
