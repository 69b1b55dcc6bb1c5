# ECS events that no metric shows well: a task that died by itself, a rollout that failed, a
# service ECS itself reports as unstable.

locals {
  # A task the scheduler stops (deploy, scale-in) has stopCode ServiceSchedulerInitiated; a
  # crash or a task that never started has one of these.
  ecs_task_crashed_pattern = {
    source        = ["aws.ecs"]
    "detail-type" = ["ECS Task State Change"]
    detail = {
      clusterArn = [aws_ecs_cluster.main.arn]
      lastStatus = ["STOPPED"]
      stopCode   = ["EssentialContainerExited", "TaskFailedToStart"]
      group      = ["service:${aws_ecs_service.worker.name}", "service:${aws_ecs_service.api.name}"]
    }
  }

  # Service instability ECS reports itself: tasks that cannot be placed or started
  # (SERVICE_TASK_PLACEMENT_FAILURE, SERVICE_TASK_CONFIGURATION_FAILURE), a service that keeps
  # failing to reach its desired count (SERVICE_TASK_START_IMPAIRED), and whatever ECS adds at
  # WARN or ERROR later. INFO (steady state) is left out.
  ecs_service_action_pattern = {
    source        = ["aws.ecs"]
    "detail-type" = ["ECS Service Action"]
    resources     = [aws_ecs_service.api.id, aws_ecs_service.worker.id]
    detail = {
      eventType = ["WARN", "ERROR"]
    }
  }

  ecs_deployment_failed_pattern = {
    source        = ["aws.ecs"]
    "detail-type" = ["ECS Deployment State Change"]
    resources     = [aws_ecs_service.api.id, aws_ecs_service.worker.id]
    detail = {
      eventName = ["SERVICE_DEPLOYMENT_FAILED"]
    }
  }
}

# Each rule sends its events to the alarm topic as one readable line.
locals {
  ecs_alarm_events = {
    "ecs-task-crashed" = {
      description = "Worker crash (and API crash): an ECS task stopped without the scheduler asking it to."
      pattern     = local.ecs_task_crashed_pattern
      input_paths = {
        group  = "$.detail.group"
        reason = "$.detail.stoppedReason"
        task   = "$.detail.taskArn"
      }
      input_template = "\"ECS task of <group> stopped unexpectedly: <reason> (<task>)\""
    }

    "ecs-deployment-failed" = {
      description = "A deployment of the API or the worker failed (the circuit breaker rolled it back)."
      pattern     = local.ecs_deployment_failed_pattern
      input_paths = {
        service = "$.resources[0]"
        reason  = "$.detail.reason"
      }
      input_template = "\"ECS deployment failed and was rolled back: <service>: <reason>\""
    }

    "ecs-service-action" = {
      description = "ECS reports a problem with the API or the worker service (ECS Service Action, WARN or ERROR): tasks that cannot be placed or started."
      pattern     = local.ecs_service_action_pattern
      input_paths = {
        service   = "$.resources[0]"
        eventType = "$.detail.eventType"
        eventName = "$.detail.eventName"
      }
      input_template = "\"ECS <eventType> on <service>: <eventName> (aws ecs describe-services ... --query 'services[0].events[:10]')\""
    }
  }
}

resource "aws_cloudwatch_event_rule" "ecs_alarm" {
  for_each = local.ecs_alarm_events

  name          = "${var.name_prefix}-${each.key}"
  description   = each.value.description
  event_pattern = jsonencode(each.value.pattern)
}

resource "aws_cloudwatch_event_target" "ecs_alarm" {
  for_each = local.ecs_alarm_events

  rule      = aws_cloudwatch_event_rule.ecs_alarm[each.key].name
  target_id = "alarm-topic"
  arn       = aws_sns_topic.alarms.arn

  input_transformer {
    input_paths    = each.value.input_paths
    input_template = each.value.input_template
  }
}
