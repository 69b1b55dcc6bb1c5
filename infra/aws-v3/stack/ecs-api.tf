# ---------------------------------------------------------------------------------------------
# ADMIN_TOKEN: generated (or taken from the ephemeral variable admin_token) and written to Secrets
# Manager through a write-only argument, so it is in neither the plan nor the state. A new value
# is written when admin_token_version changes.
# ---------------------------------------------------------------------------------------------

ephemeral "aws_secretsmanager_random_password" "admin_token" {
  count = var.generate_admin_token ? 1 : 0

  password_length     = 48
  exclude_punctuation = true
}

resource "aws_secretsmanager_secret" "admin_token" {
  name_prefix             = "${var.name_prefix}/admin-token-"
  description             = "ADMIN_TOKEN of the order API (bearer token of the admin routes)"
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "admin_token" {
  secret_id                = aws_secretsmanager_secret.admin_token.id
  secret_string_wo         = var.generate_admin_token ? ephemeral.aws_secretsmanager_random_password.admin_token[0].random_password : var.admin_token
  secret_string_wo_version = var.admin_token_version
}

# ---------------------------------------------------------------------------------------------
# Task definition and service
# ---------------------------------------------------------------------------------------------

locals {
  api_container_name             = "api"
  api_deployment_maximum_percent = 200

  # Its environment variables: ecs-environment.tf; its task definition: ecs-tasks.tf.
  api_container = {
    name      = local.api_container_name
    image     = "${aws_ecr_repository.program["api"].repository_url}:${var.image_tag}"
    essential = true
    dependsOn = local.tracing_depends_on

    portMappings = [
      {
        name          = "http"
        containerPort = var.api_container_port
        hostPort      = var.api_container_port
        protocol      = "tcp"
      },
    ]

    environment = [for name, value in merge(local.program_common_environment, local.api_own_environment) : { name = name, value = value }]

    secrets = [
      { name = "ADMIN_TOKEN", valueFrom = aws_secretsmanager_secret.admin_token.arn },
    ]

    stopTimeout            = var.api_stop_timeout_seconds
    readonlyRootFilesystem = true

    linuxParameters = {
      initProcessEnabled = true
    }

    logConfiguration = local.program_log_configuration["api"]
  }
}

resource "aws_ecs_service" "api" {
  name             = "${var.name_prefix}-api"
  cluster          = aws_ecs_cluster.main.id
  task_definition  = aws_ecs_task_definition.program["api"].arn
  desired_count    = var.api_desired_count
  launch_type      = "FARGATE"
  platform_version = "LATEST"

  # Migrations run at start-up: give a new task time before failed health checks count.
  health_check_grace_period_seconds  = 60
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = local.api_deployment_maximum_percent
  enable_ecs_managed_tags            = true
  propagate_tags                     = "SERVICE"

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = local.task_subnet_ids
    security_groups  = [aws_security_group.api.id]
    assign_public_ip = local.task_assign_public_ip
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = local.api_container_name
    container_port   = var.api_container_port
  }

  lifecycle {
    # The pipeline registers a revision per commit and rolls it out; Terraform does not roll
    # the service back to its own revision (see the README, "How deploys and Terraform meet").
    ignore_changes = [task_definition]
  }

  depends_on = [
    aws_lb_listener.https,
    aws_lb_listener.http_forward,
    aws_iam_role_policy.execution,
    aws_secretsmanager_secret_version.admin_token,
    terraform_data.db_app_role,
  ]
}
