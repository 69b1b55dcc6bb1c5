# Resources that were written out one by one and are now instances of a for_each: a deployed
# stack renames them in its state instead of destroying and recreating them.

# log-event-alarms.tf
moved {
  from = aws_cloudwatch_log_metric_filter.api_errors
  to   = aws_cloudwatch_log_metric_filter.log_event["api-logged-errors"]
}

moved {
  from = aws_cloudwatch_metric_alarm.api_logged_errors
  to   = aws_cloudwatch_metric_alarm.log_event["api-logged-errors"]
}

moved {
  from = aws_cloudwatch_log_metric_filter.worker_failed
  to   = aws_cloudwatch_log_metric_filter.log_event["business-retries-exhausted"]
}

moved {
  from = aws_cloudwatch_metric_alarm.business_retries_exhausted
  to   = aws_cloudwatch_metric_alarm.log_event["business-retries-exhausted"]
}

moved {
  from = aws_cloudwatch_log_metric_filter.worker_poison
  to   = aws_cloudwatch_log_metric_filter.log_event["worker-poison-message"]
}

moved {
  from = aws_cloudwatch_metric_alarm.worker_poison
  to   = aws_cloudwatch_metric_alarm.log_event["worker-poison-message"]
}

moved {
  from = aws_cloudwatch_log_metric_filter.worker_start_failed
  to   = aws_cloudwatch_log_metric_filter.log_event["worker-start-failed"]
}

moved {
  from = aws_cloudwatch_metric_alarm.worker_start_failed
  to   = aws_cloudwatch_metric_alarm.log_event["worker-start-failed"]
}

moved {
  from = aws_cloudwatch_log_metric_filter.worker_delivery_crashed
  to   = aws_cloudwatch_log_metric_filter.log_event["worker-delivery-crashed"]
}

moved {
  from = aws_cloudwatch_metric_alarm.worker_delivery_crashed
  to   = aws_cloudwatch_metric_alarm.log_event["worker-delivery-crashed"]
}

# autoscaling.tf
moved {
  from = aws_cloudwatch_metric_alarm.worker_backlog_high
  to   = aws_cloudwatch_metric_alarm.worker_scaling["scale-out"]
}

moved {
  from = aws_cloudwatch_metric_alarm.worker_queue_empty
  to   = aws_cloudwatch_metric_alarm.worker_scaling["scale-in"]
}

# events.tf
moved {
  from = aws_cloudwatch_event_rule.ecs_task_crashed
  to   = aws_cloudwatch_event_rule.ecs_alarm["ecs-task-crashed"]
}

moved {
  from = aws_cloudwatch_event_target.ecs_task_crashed
  to   = aws_cloudwatch_event_target.ecs_alarm["ecs-task-crashed"]
}

moved {
  from = aws_cloudwatch_event_rule.ecs_deployment_failed
  to   = aws_cloudwatch_event_rule.ecs_alarm["ecs-deployment-failed"]
}

moved {
  from = aws_cloudwatch_event_target.ecs_deployment_failed
  to   = aws_cloudwatch_event_target.ecs_alarm["ecs-deployment-failed"]
}

moved {
  from = aws_cloudwatch_event_rule.ecs_service_action
  to   = aws_cloudwatch_event_rule.ecs_alarm["ecs-service-action"]
}

moved {
  from = aws_cloudwatch_event_target.ecs_service_action
  to   = aws_cloudwatch_event_target.ecs_alarm["ecs-service-action"]
}

# iam.tf
moved {
  from = aws_iam_role.api_task
  to   = aws_iam_role.task["api"]
}

moved {
  from = aws_iam_role_policy.api_task
  to   = aws_iam_role_policy.task["api"]
}

moved {
  from = aws_iam_role.worker_task
  to   = aws_iam_role.task["worker"]
}

moved {
  from = aws_iam_role_policy.worker_task
  to   = aws_iam_role_policy.task["worker"]
}

# ecs-tasks.tf
moved {
  from = aws_ecs_task_definition.api
  to   = aws_ecs_task_definition.program["api"]
}

moved {
  from = aws_ecs_task_definition.worker
  to   = aws_ecs_task_definition.program["worker"]
}

# metrics-alarms.tf
moved {
  from = aws_cloudwatch_metric_alarm.worker_oldest_message_age
  to   = aws_cloudwatch_metric_alarm.metric["worker-stuck-oldest-message"]
}

moved {
  from = aws_cloudwatch_metric_alarm.worker_backlog
  to   = aws_cloudwatch_metric_alarm.metric["worker-stuck-backlog"]
}

moved {
  from = aws_cloudwatch_metric_alarm.worker_not_running
  to   = aws_cloudwatch_metric_alarm.metric["worker-not-running"]
}

moved {
  from = aws_cloudwatch_metric_alarm.relay_stuck
  to   = aws_cloudwatch_metric_alarm.metric["relay-stuck-outbox-age"]
}

moved {
  from = aws_cloudwatch_metric_alarm.dlq_not_empty
  to   = aws_cloudwatch_metric_alarm.metric["sqs-dlq-not-empty"]
}

moved {
  from = aws_cloudwatch_metric_alarm.api_elb_5xx
  to   = aws_cloudwatch_metric_alarm.metric["api-elb-5xx"]
}

moved {
  from = aws_cloudwatch_metric_alarm.api_target_5xx
  to   = aws_cloudwatch_metric_alarm.metric["api-target-5xx"]
}

moved {
  from = aws_cloudwatch_metric_alarm.api_no_healthy_targets
  to   = aws_cloudwatch_metric_alarm.metric["api-no-healthy-targets"]
}

moved {
  from = aws_cloudwatch_metric_alarm.api_p95_latency
  to   = aws_cloudwatch_metric_alarm.metric["api-slow-p95"]
}

moved {
  from = aws_cloudwatch_metric_alarm.db_cpu
  to   = aws_cloudwatch_metric_alarm.metric["db-cpu-high"]
}

moved {
  from = aws_cloudwatch_metric_alarm.db_connections
  to   = aws_cloudwatch_metric_alarm.metric["db-connections-high"]
}

moved {
  from = aws_cloudwatch_metric_alarm.db_free_storage
  to   = aws_cloudwatch_metric_alarm.metric["db-free-storage-low"]
}
