# Worker: step scaling on the backlog of the main queue, between worker_min_count and
# worker_max_count. Scale-out steps grow with the backlog (one more task per
# worker_backlog_per_task visible messages); scale-in removes one task once the queue has
# been empty for worker_scale_in_empty_minutes.

resource "aws_appautoscaling_target" "worker" {
  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.worker.name}"
  min_capacity       = var.worker_min_count
  max_capacity       = var.worker_max_count
}

resource "aws_appautoscaling_policy" "worker_scale_out" {
  name               = "${var.name_prefix}-worker-scale-out"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.worker.service_namespace
  scalable_dimension = aws_appautoscaling_target.worker.scalable_dimension
  resource_id        = aws_appautoscaling_target.worker.resource_id

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = 60
    metric_aggregation_type = "Maximum"

    # Bounds are relative to the alarm threshold (worker_scale_out_backlog).
    step_adjustment {
      metric_interval_lower_bound = 0
      metric_interval_upper_bound = var.worker_backlog_per_task
      scaling_adjustment          = 1
    }

    step_adjustment {
      metric_interval_lower_bound = var.worker_backlog_per_task
      metric_interval_upper_bound = var.worker_backlog_per_task * 2
      scaling_adjustment          = 2
    }

    step_adjustment {
      metric_interval_lower_bound = var.worker_backlog_per_task * 2
      metric_interval_upper_bound = var.worker_backlog_per_task * 3
      scaling_adjustment          = 3
    }

    step_adjustment {
      metric_interval_lower_bound = var.worker_backlog_per_task * 3
      scaling_adjustment          = 4
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "worker_backlog_high" {
  alarm_name          = "${var.name_prefix}-worker-scale-out"
  alarm_description   = "Scale the worker out: visible messages at or above ${var.worker_scale_out_backlog}."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.orders.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 2
  datapoints_to_alarm = 2
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = var.worker_scale_out_backlog
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_appautoscaling_policy.worker_scale_out.arn]
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

resource "aws_cloudwatch_metric_alarm" "worker_queue_empty" {
  alarm_name          = "${var.name_prefix}-worker-scale-in"
  alarm_description   = "Scale the worker in: nothing visible and nothing in flight for ${var.worker_scale_in_empty_minutes} minutes."
  evaluation_periods  = var.worker_scale_in_empty_minutes
  datapoints_to_alarm = var.worker_scale_in_empty_minutes
  comparison_operator = "LessThanOrEqualToThreshold"
  threshold           = 0
  # An idle queue stops reporting: no data means empty.
  treat_missing_data = "breaching"
  alarm_actions      = [aws_appautoscaling_policy.worker_scale_in.arn]

  metric_query {
    id          = "backlog"
    expression  = "visible + inflight"
    label       = "Messages visible or in flight"
    return_data = true
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
    id = "inflight"

    metric {
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesNotVisible"
      dimensions  = { QueueName = aws_sqs_queue.orders.name }
      stat        = "Maximum"
      period      = 60
    }
  }
}
