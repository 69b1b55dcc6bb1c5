locals {
  worker_container_name             = "worker"
  worker_liveness_probe             = "fetch('http://127.0.0.1:'+process.env.ADMIN_PORT+'/health/live',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
  worker_deployment_maximum_percent = 200

  # Variable names exactly as the worker reads them (test/cross-check-config.test.ts).
  # SQS_VISIBILITY_TIMEOUT_SECONDS is the queue's own setting, so heartbeat and queue agree.
  worker_container = {
    name      = local.worker_container_name
    image     = "${aws_ecr_repository.program["worker"].repository_url}:${var.image_tag}"
    essential = true
    dependsOn = local.tracing_depends_on

    environment = [
      { name = "WORKER_MODE", value = "sqs-consumer" },
      { name = "PGHOST", value = aws_db_instance.main.address },
      { name = "PGPORT", value = tostring(aws_db_instance.main.port) },
      { name = "PGDATABASE", value = aws_db_instance.main.db_name },
      { name = "PGUSER", value = var.db_app_username },
      # A token signed per new connection with the task role: nothing to rotate, nothing to inject.
      { name = "DATABASE_AUTH", value = "iam" },
      { name = "DATABASE_SSL", value = "true" },
      { name = "DATABASE_POOL_SIZE", value = tostring(var.worker_database_pool_size) },
      { name = "SQS_QUEUE_URL", value = aws_sqs_queue.orders.url },
      { name = "SQS_VISIBILITY_TIMEOUT_SECONDS", value = tostring(var.sqs_visibility_timeout_seconds) },
      { name = "SQS_HEARTBEAT_INTERVAL_SECONDS", value = tostring(var.sqs_heartbeat_interval_seconds) },
      { name = "AWS_REGION", value = var.aws_region },
      { name = "OTEL_EXPORTER_OTLP_ENDPOINT", value = local.otel_exporter_endpoint },
      { name = "OTEL_EXPORTER_OTLP_PROTOCOL", value = "http/protobuf" },
      { name = "OTEL_SERVICE_NAME", value = "${var.name_prefix}-worker" },
      { name = "OTEL_RESOURCE_ATTRIBUTES", value = local.otel_resource_attribute },
      { name = "OTEL_TRACES_SAMPLER", value = "parentbased_traceidratio" },
      { name = "OTEL_TRACES_SAMPLER_ARG", value = local.otel_sampler_ratio },
      { name = "WORKER_CONCURRENCY", value = tostring(var.worker_concurrency) },
      { name = "MAX_ATTEMPTS", value = tostring(var.max_attempts) },
      { name = "RETRY_BASE_DELAY_MS", value = tostring(var.retry_base_delay_ms) },
      { name = "RETRY_MAX_DELAY_MS", value = tostring(var.retry_max_delay_ms) },
      { name = "FAILURE_PROBABILITY", value = tostring(var.failure_probability) },
      { name = "PROCESSING_DELAY_MS", value = tostring(var.processing_delay_ms) },
      { name = "ORDER_LEASE_SECONDS", value = tostring(var.order_lease_seconds) },
      { name = "SHUTDOWN_DRAIN_MS", value = tostring(var.worker_shutdown_drain_ms) },
      { name = "LOG_LEVEL", value = var.log_level },
      { name = "NODE_OPTIONS", value = local.worker_node_options },
      { name = "METRICS_NAMESPACE", value = var.metrics_namespace },
      { name = "ADMIN_PORT", value = tostring(var.worker_admin_port) },
      { name = "WORKER_LIVENESS_TIMEOUT_SECONDS", value = tostring(var.worker_liveness_timeout_seconds) },
    ]

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

    logConfiguration = {
      logDriver = "awslogs"
      options = {
        "awslogs-group"         = aws_cloudwatch_log_group.worker.name
        "awslogs-region"        = var.aws_region
        "awslogs-stream-prefix" = "worker"
        "mode"                  = "non-blocking"
        "max-buffer-size"       = "25m"
      }
    }
  }
}

resource "aws_ecs_task_definition" "worker" {
  family = "${var.name_prefix}-worker"
  # A changed setting registers a new revision; the old ones stay ACTIVE (not deregistered), so
  # a roll-back to an earlier revision (docs/RUNBOOK.md) keeps working.
  skip_destroy             = true
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.worker_cpu
  memory                   = var.worker_memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.worker_task.arn
  container_definitions    = jsonencode(concat([local.worker_container], local.worker_sidecars))

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }
}

resource "aws_ecs_service" "worker" {
  name             = "${var.name_prefix}-worker"
  cluster          = aws_ecs_cluster.main.id
  task_definition  = aws_ecs_task_definition.worker.arn
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
