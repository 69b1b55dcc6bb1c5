# ECS events that no metric shows well: a task that died by itself, a rollout that failed.

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

  ecs_deployment_failed_pattern = {
    source        = ["aws.ecs"]
    "detail-type" = ["ECS Deployment State Change"]
    resources     = [aws_ecs_service.api.id, aws_ecs_service.worker.id]
    detail = {
      eventName = ["SERVICE_DEPLOYMENT_FAILED"]
    }
  }
}

resource "aws_cloudwatch_event_rule" "ecs_task_crashed" {
  name          = "${var.name_prefix}-ecs-task-crashed"
  description   = "Worker crash (and API crash): an ECS task stopped without the scheduler asking it to."
  event_pattern = jsonencode(local.ecs_task_crashed_pattern)
}

resource "aws_cloudwatch_event_target" "ecs_task_crashed" {
  rule      = aws_cloudwatch_event_rule.ecs_task_crashed.name
  target_id = "alarm-topic"
  arn       = aws_sns_topic.alarms.arn

  input_transformer {
    input_paths = {
      group  = "$.detail.group"
      reason = "$.detail.stoppedReason"
      task   = "$.detail.taskArn"
    }
    input_template = "\"ECS task of <group> stopped unexpectedly: <reason> (<task>)\""
  }
}

resource "aws_cloudwatch_event_rule" "ecs_deployment_failed" {
  name          = "${var.name_prefix}-ecs-deployment-failed"
  description   = "A deployment of the API or the worker failed (the circuit breaker rolled it back)."
  event_pattern = jsonencode(local.ecs_deployment_failed_pattern)
}

resource "aws_cloudwatch_event_target" "ecs_deployment_failed" {
  rule      = aws_cloudwatch_event_rule.ecs_deployment_failed.name
  target_id = "alarm-topic"
  arn       = aws_sns_topic.alarms.arn

  input_transformer {
    input_paths = {
      service = "$.resources[0]"
      reason  = "$.detail.reason"
    }
    input_template = "\"ECS deployment failed and was rolled back: <service>: <reason>\""
  }
}
