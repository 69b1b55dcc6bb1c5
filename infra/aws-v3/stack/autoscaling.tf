# Worker: step scaling on the backlog per running task (visible messages ÷ running worker tasks,
# CloudWatch metric math), between worker_min_count and worker_max_count.
#
# The thresholds are seconds of queued work per task, turned into messages by a planning drain
# rate (worker_drain_rate_per_task, 50 messages/s). Its derivation:
#   * Measured (README, "Performance", scenario 3): one worker process drains about 840 queued
#     messages/s in sqs-consumer mode on 2 cores, at 1.05 ms of worker CPU per message
#     (PROCESSING_DELAY_MS=0, WORKER_CONCURRENCY 10, PostgreSQL and the SQS emulator on loopback).
#   * On Fargate at worker_cpu 256 (0.25 vCPU) the CPU allows 0.25 s / 1.05 ms ≈ 238 messages/s;
#     the business step (PROCESSING_DELAY_MS 50) at WORKER_CONCURRENCY 10 allows at most
#     10 / 0.05 s = 200 messages/s. At 512 (0.5 vCPU) the CPU bound doubles, that one does not.
#   * On ECS every statement and every SQS call crosses the network (milliseconds, where the
#     bench paid microseconds), so the plan takes a quarter of the lower bound: 50 messages/s.
#     A validation keeps it under a quarter of the concurrency bound; measure on ECS to raise it.
# Then:
#   * scale out at 60 s of backlog per task (worker_scale_out_backlog_seconds): 3000 messages. A
#     task that far behind needs about a minute at the planning rate; with 2 minutes of alarm and
#     about 1 minute to start a task, the oldest message stays well inside its 300 s alarm.
#   * scale in at 10 s (worker_scale_in_backlog_seconds): 500 messages per task, for 15 minutes.
#     A steady trickle keeps a few messages visible, far below that, so it scales in; the old
#     rule (nothing visible and nothing in flight) was never met while any traffic flowed.
#   * No flapping: removing one of n ≥ 2 tasks raises the backlog per task by n / (n − 1) ≤ 2,
#     so the scale-in threshold is at most half the scale-out one (validated on the variables).

locals {
  worker_scale_out_backlog_per_task = var.worker_drain_rate_per_task * var.worker_scale_out_backlog_seconds
  worker_scale_in_backlog_per_task  = var.worker_drain_rate_per_task * var.worker_scale_in_backlog_seconds

  # Running tasks, counted as 1 when none runs (every task crashed) or Container Insights has no
  # datapoint: the whole backlog then counts against one task, which errs towards scaling out.
  worker_running_tasks_expression    = "IF(FILL(running, 0) >= 1, FILL(running, 0), 1)"
  worker_backlog_per_task_expression = "FILL(visible, 0) / tasks"
}

resource "aws_appautoscaling_target" "worker" {
  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.worker.name}"
  min_capacity       = var.worker_min_count
  max_capacity       = var.worker_max_count
}

# The metric is per task, so the answer is proportional: twice the threshold needs about twice
# the tasks. Bounds are relative to the alarm threshold (local.worker_scale_out_backlog_per_task).
resource "aws_appautoscaling_policy" "worker_scale_out" {
  name               = "${var.name_prefix}-worker-scale-out"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.worker.service_namespace
  scalable_dimension = aws_appautoscaling_target.worker.scalable_dimension
  resource_id        = aws_appautoscaling_target.worker.resource_id

  step_scaling_policy_configuration {
    adjustment_type          = "PercentChangeInCapacity"
    min_adjustment_magnitude = 1
    cooldown                 = 60
    metric_aggregation_type  = "Maximum"

    # 1× to 2× the threshold: half as many tasks again.
    step_adjustment {
      metric_interval_lower_bound = 0
      metric_interval_upper_bound = local.worker_scale_out_backlog_per_task
      scaling_adjustment          = 50
    }

    # 2× to 4×: double.
    step_adjustment {
      metric_interval_lower_bound = local.worker_scale_out_backlog_per_task
      metric_interval_upper_bound = local.worker_scale_out_backlog_per_task * 3
      scaling_adjustment          = 100
    }

    # 4× and more: triple.
    step_adjustment {
      metric_interval_lower_bound = local.worker_scale_out_backlog_per_task * 3
      scaling_adjustment          = 200
    }
  }
}

resource "aws_appautoscaling_policy" "worker_scale_in" {
  name               = "${var.name_prefix}-worker-scale-in"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.worker.service_namespace
  scalable_dimension = aws_appautoscaling_target.worker.scalable_dimension
  resource_id        = aws_appautoscaling_target.worker.resource_id

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = 300
    metric_aggregation_type = "Maximum"

    step_adjustment {
      metric_interval_upper_bound = 0
      scaling_adjustment          = -1
    }
  }
}

# Both alarms watch the same figure, the backlog per running task; they differ in the direction,
# the threshold, the window and the policy they trigger.
locals {
  worker_scaling_alarms = {
    "scale-out" = {
      description         = "Scale the worker out: ${local.worker_scale_out_backlog_per_task} or more visible messages per running task (${var.worker_scale_out_backlog_seconds} s at ${var.worker_drain_rate_per_task} messages/s)."
      evaluation_periods  = 2
      comparison_operator = "GreaterThanOrEqualToThreshold"
      threshold           = local.worker_scale_out_backlog_per_task
      treat_missing_data  = "notBreaching"
      policy              = aws_appautoscaling_policy.worker_scale_out.arn
    }

    "scale-in" = {
      description         = "Scale the worker in: at most ${local.worker_scale_in_backlog_per_task} visible messages per running task (${var.worker_scale_in_backlog_seconds} s of work) for ${var.worker_scale_in_minutes} minutes."
      evaluation_periods  = var.worker_scale_in_minutes
      comparison_operator = "LessThanOrEqualToThreshold"
      threshold           = local.worker_scale_in_backlog_per_task
      # An idle queue stops reporting: no data means nothing to do.
      treat_missing_data = "breaching"
      policy             = aws_appautoscaling_policy.worker_scale_in.arn
    }
  }
}

# Each alarm fires only when every minute of its window is past the threshold.
resource "aws_cloudwatch_metric_alarm" "worker_scaling" {
  for_each = local.worker_scaling_alarms

  alarm_name          = "${var.name_prefix}-worker-${each.key}"
  alarm_description   = each.value.description
  evaluation_periods  = each.value.evaluation_periods
  datapoints_to_alarm = each.value.evaluation_periods
  comparison_operator = each.value.comparison_operator
  threshold           = each.value.threshold
  treat_missing_data  = each.value.treat_missing_data
  alarm_actions       = [each.value.policy]

  metric_query {
    id          = "backlog_per_task"
    expression  = local.worker_backlog_per_task_expression
    label       = "Visible messages per running worker task"
    return_data = true
  }

  metric_query {
    id         = "tasks"
    expression = local.worker_running_tasks_expression
    label      = "Running worker tasks (at least 1)"
  }

  metric_query {
    id = "visible"

    metric {
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = aws_sqs_queue.orders.name }
      stat        = "Maximum"
      period      = 60
    }
  }

  metric_query {
    id = "running"

    metric {
      namespace   = "ECS/ContainerInsights"
      metric_name = "RunningTaskCount"
      dimensions  = { ClusterName = aws_ecs_cluster.main.name, ServiceName = aws_ecs_service.worker.name }
      stat        = "Average"
      period      = 60
    }
  }
}

