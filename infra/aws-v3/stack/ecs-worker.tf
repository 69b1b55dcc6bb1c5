locals {
  worker_container_name             = "worker"
  worker_liveness_probe             = "fetch('http://127.0.0.1:'+process.env.ADMIN_PORT+'/health/live',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
  worker_deployment_maximum_percent = 200

  # Its environment variables: ecs-environment.tf; its task definition: ecs-tasks.tf.
  worker_container = {
    name      = local.worker_container_name
    image     = "${aws_ecr_repository.program["worker"].repository_url}:${var.image_tag}"
    essential = true
    dependsOn = local.tracing_depends_on

    environment = [for name, value in merge(local.program_common_environment, local.worker_own_environment) : { name = name, value = value }]

    # The image has node and no curl: node asks the worker's loopback admin server (ADMIN_PORT),
    # whose /health/live fails once the receive loop has stopped turning; ECS then replaces the task.
    healthCheck = {
      command     = ["CMD", "node", "-e", local.worker_liveness_probe]
      interval    = 30
      timeout     = 5
      retries     = 3
      startPeriod = 120
    }

    # SIGTERM, then SIGKILL after stopTimeout: longer than the worker's drain deadline.
    stopTimeout            = var.worker_stop_timeout_seconds
    readonlyRootFilesystem = true

    linuxParameters = {
      initProcessEnabled = true
    }

    logConfiguration = local.program_log_configuration["worker"]
  }
}

resource "aws_ecs_service" "worker" {
  name             = "${var.name_prefix}-worker"
  cluster          = aws_ecs_cluster.main.id
  task_definition  = aws_ecs_task_definition.program["worker"].arn
  desired_count    = var.worker_min_count
  launch_type      = "FARGATE"
  platform_version = "LATEST"

  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = local.worker_deployment_maximum_percent
  enable_ecs_managed_tags            = true
  propagate_tags                     = "SERVICE"

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = local.task_subnet_ids
    security_groups  = [aws_security_group.worker.id]
    assign_public_ip = local.task_assign_public_ip
  }

  lifecycle {
    # Revisions come from the pipeline; the task count from autoscaling.
    ignore_changes = [task_definition, desired_count]
  }

  depends_on = [aws_iam_role_policy.execution, terraform_data.db_app_role]
}
