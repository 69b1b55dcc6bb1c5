# terraform test: real plans of this stack, offline. The AWS provider runs with fake
# credentials and never reaches AWS: the data sources that would call it are overridden, and
# ADMIN_TOKEN comes from the ephemeral variable (the generating ephemeral resource calls AWS).
# Run it with `terraform init -backend=false && terraform test` (test/terraform-cli.test.ts does).

provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "offline"
  secret_key                  = "offline"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}

override_data {
  target = data.aws_availability_zones.available
  values = {
    names = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  }
}

override_data {
  target = data.aws_caller_identity.current
  values = {
    account_id = "000000000000"
  }
}

variables {
  image_tag            = "0123456789abcdef0123456789abcdef01234567"
  generate_admin_token = false
  admin_token          = "offline-plan-token-0123456789abcdef"
}

run "defaults" {
  command = plan

  assert {
    condition     = length(aws_subnet.public) == 2 && length(aws_subnet.private) == 2
    error_message = "One public and one private subnet per AZ, two AZs by default."
  }

  assert {
    condition     = length(aws_nat_gateway.main) == 0 && local.task_assign_public_ip
    error_message = "Default layout: tasks in public subnets with a public IP, no NAT gateway."
  }

  assert {
    condition     = length(aws_lb_listener.http_forward) == 1 && length(aws_lb_listener.https) == 0 && length(aws_lb_listener.http_redirect) == 0
    error_message = "Without a certificate the ALB serves plain HTTP only."
  }

  assert {
    condition     = aws_sqs_queue.orders.visibility_timeout_seconds == 30 && aws_sqs_queue.orders.message_retention_seconds == 345600
    error_message = "Main queue: visibility timeout 30 s, retention 4 days."
  }

  assert {
    condition     = aws_sqs_queue.orders_dlq.message_retention_seconds == 1209600
    error_message = "DLQ retention is 14 days."
  }

  assert {
    condition     = local.orders_redrive_policy.maxReceiveCount == 5
    error_message = "maxReceiveCount defaults to 5."
  }

  assert {
    condition     = aws_db_instance.main.iam_database_authentication_enabled
    error_message = "IAM database authentication is on: the programs log in with a token per connection."
  }

  assert {
    condition = alltrue([
      for container in [local.api_container, local.worker_container] :
      contains(container.environment, { name = "PGUSER", value = "orders_app" }) &&
      contains(container.environment, { name = "DATABASE_AUTH", value = "iam" }) &&
      !contains([for secret in lookup(container, "secrets", []) : secret.name], "PGPASSWORD")
    ])
    error_message = "Both tasks log in as the application role with IAM tokens, with no database password injected."
  }

  assert {
    condition = (
      contains(local.api_container.environment, { name = "DATABASE_POOL_SIZE", value = tostring(var.api_database_pool_size) }) &&
      contains(local.worker_container.environment, { name = "DATABASE_POOL_SIZE", value = tostring(var.worker_database_pool_size) }) &&
      contains(local.api_container.environment, { name = "OTEL_SERVICE_NAME", value = "${var.name_prefix}-api" }) &&
      contains(local.worker_container.environment, { name = "OTEL_SERVICE_NAME", value = "${var.name_prefix}-worker" }) &&
      length(local.api_container.environment) == 21 && length(local.worker_container.environment) == 31
    )
    error_message = "Each container gets the common environment and its own, its own values winning where both name a variable."
  }

  assert {
    condition = (
      [for widget in local.dashboard.widgets : [widget.type, widget.x, widget.y, widget.width, widget.height]] == [for index in range(15) : ["metric", index % 3 * 8, floor(index / 3) * 6, 8, 6]] &&
      alltrue([for widget in local.dashboard.widgets : widget.properties.region == "eu-west-1" && widget.properties.view == "timeSeries" && widget.properties.period == 60]) &&
      local.dashboard.widgets[0].properties.title == "ALB requests and errors" && local.dashboard.widgets[14].properties.title == "Outbox backlog and oldest due row"
    )
    error_message = "The dashboard lays its 15 graphs out in five rows of three, 8 by 6 each, in the order dashboard_rows lists them."
  }

  assert {
    condition = alltrue([
      for program, container in { api = local.api_container, worker = local.worker_container } :
      container.logConfiguration.logDriver == "awslogs" &&
      container.logConfiguration.options["awslogs-group"] == "/ecs/${var.name_prefix}/${program}" &&
      container.logConfiguration.options["awslogs-stream-prefix"] == program &&
      container.logConfiguration.options["mode"] == "non-blocking"
    ])
    error_message = "Each program logs through awslogs, non-blocking, to its own log group under its own stream prefix."
  }

  assert {
    condition     = strcontains(local.db_bootstrap_container.command[4], "order_platform.app_role") && contains(local.db_bootstrap_container.environment, { name = "PGOPTIONS", value = "-c order_platform.app_role=orders_app" })
    error_message = "The db-bootstrap task runs sql/app-role.sql for the application role."
  }

  assert {
    condition     = local.db_connections_peak == 71 && local.db_connections_peak <= local.rds_max_connections["db.t4g.micro"] - local.db_reserved_connections
    error_message = "Default connection peak (2x2x5 + 5x2x(4+1) + 1 = 71) fits db.t4g.micro."
  }

  assert {
    condition     = local.worker_container.stopTimeout * 1000 > var.worker_shutdown_drain_ms && local.api_container.stopTimeout * 1000 > var.api_shutdown_drain_ms
    error_message = "stopTimeout exceeds each program's drain deadline."
  }

  assert {
    condition     = aws_appautoscaling_target.worker.min_capacity == 1 && aws_appautoscaling_target.worker.max_capacity == 5
    error_message = "The worker scales between 1 and 5 tasks."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.worker_scaling["scale-out"].threshold == 3000 && aws_cloudwatch_metric_alarm.worker_scaling["scale-in"].threshold == 500
    error_message = "Worker scaling thresholds: 60 s and 10 s of backlog per task at 50 messages/s."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.metric["api-slow-p95"].extended_statistic == "p95" && aws_cloudwatch_metric_alarm.metric["api-slow-p95"].statistic == null && aws_cloudwatch_metric_alarm.metric["db-cpu-high"].statistic == "Average" && aws_cloudwatch_metric_alarm.metric["db-cpu-high"].extended_statistic == null
    error_message = "A percentile is an extended statistic; the other alarms keep a plain one."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.metric["sqs-dlq-not-empty"].datapoints_to_alarm == null && aws_cloudwatch_metric_alarm.metric["worker-stuck-backlog"].datapoints_to_alarm == 15
    error_message = "Every period of an alarm's window must breach (unset over one period, CloudWatch's default)."
  }

  assert {
    condition     = aws_ecs_task_definition.program["api"].skip_destroy && aws_ecs_task_definition.program["worker"].skip_destroy
    error_message = "Task definition revisions are never deregistered by Terraform."
  }

  assert {
    condition     = aws_db_instance.main.performance_insights_enabled && aws_db_instance.main.performance_insights_retention_period == 7
    error_message = "Performance Insights is on, with the free 7 days."
  }

  assert {
    condition     = aws_lb_target_group.api.deregistration_delay == "20"
    error_message = "The ALB drains an API target for 20 s."
  }

  assert {
    condition     = aws_db_instance.main.publicly_accessible == false && aws_db_instance.main.storage_encrypted && aws_db_instance.main.manage_master_user_password
    error_message = "RDS is private, encrypted and keeps its password in Secrets Manager."
  }

  assert {
    condition     = jsondecode(aws_ecr_lifecycle_policy.program["api"].policy).rules[1].selection.countNumber == 30
    error_message = "ECR keeps 30 tagged images."
  }

  assert {
    condition     = local.api_node_options == "--max-old-space-size=336 --max-semi-space-size=16" && local.worker_node_options == "--max-old-space-size=384" && contains([for variable in local.api_container.environment : variable.name], "NODE_OPTIONS") && contains([for variable in local.worker_container.environment : variable.name], "NODE_OPTIONS")
    error_message = "Node's heap is 75 % of the task's memory: 384 MiB of the default 512 (the API's: 336 old + 48 young)."
  }
}

run "tracing_off_by_default" {
  command = plan

  assert {
    condition     = length(local.api_sidecars) == 0 && length(local.worker_sidecars) == 0 && length(aws_iam_role_policy.xray) == 0
    error_message = "Without tracing_enabled no collector sidecar runs and no task role may write to X-Ray."
  }

  assert {
    condition     = alltrue([for container in [local.api_container, local.worker_container] : [for variable in container.environment : variable.value if variable.name == "OTEL_EXPORTER_OTLP_ENDPOINT"] == [""]])
    error_message = "Without tracing_enabled both programs get an empty OTEL_EXPORTER_OTLP_ENDPOINT (unset: tracing off)."
  }
}

run "tracing_enabled" {
  command = plan

  variables {
    tracing_enabled      = true
    tracing_sample_ratio = 0.25
  }

  assert {
    condition     = length(local.api_sidecars) == 1 && length(local.worker_sidecars) == 1 && alltrue([for sidecar in concat(local.api_sidecars, local.worker_sidecars) : sidecar.name == "otel-collector" && sidecar.essential == false && startswith(sidecar.image, "public.ecr.aws/aws-observability/aws-otel-collector:v")])
    error_message = "With tracing_enabled both task definitions run the ADOT collector as a non-essential sidecar."
  }

  assert {
    condition     = strcontains(local.otel_collector_config, "awsxray") && strcontains(local.otel_collector_config, "127.0.0.1:4318")
    error_message = "The collector receives OTLP/HTTP on the task's loopback and exports to X-Ray."
  }

  assert {
    condition     = alltrue([for container in [local.api_container, local.worker_container] : [for variable in container.environment : variable.value if variable.name == "OTEL_EXPORTER_OTLP_ENDPOINT"] == ["http://127.0.0.1:4318"] && [for variable in container.environment : variable.value if variable.name == "OTEL_TRACES_SAMPLER_ARG"] == ["0.25"] && jsonencode(container.dependsOn) == jsonencode([{ condition = "START", containerName = "otel-collector" }])])
    error_message = "With tracing_enabled both programs export to the sidecar at the configured ratio, and start after it."
  }

  assert {
    condition     = length(aws_iam_role_policy.xray) == 2 && aws_iam_role_policy.xray["api"].name == "xray-traces"
    error_message = "Both task roles may write to X-Ray."
  }

  assert {
    condition     = startswith(local.api_node_options, "--max-old-space-size=288 ") && local.worker_node_options == "--max-old-space-size=336"
    error_message = "The collector's 64 MiB come off the task before Node's 75 % heap share: 336 MiB of 512 (the API's young generation then takes 48 more)."
  }
}

run "https_with_certificate" {
  command = plan

  variables {
    acm_certificate_arn = "arn:aws:acm:eu-west-1:000000000000:certificate/00000000-0000-0000-0000-000000000000"
  }

  assert {
    condition     = length(aws_lb_listener.https) == 1 && length(aws_lb_listener.http_redirect) == 1 && length(aws_lb_listener.http_forward) == 0
    error_message = "With a certificate: HTTPS, and HTTP only redirects."
  }

  assert {
    condition     = aws_lb_listener.http_redirect[0].default_action[0].redirect[0].protocol == "HTTPS"
    error_message = "HTTP redirects to HTTPS."
  }

  assert {
    condition     = startswith(local.alb_url, "https://")
    error_message = "The ALB URL output is https."
  }
}

run "private_subnets_with_nat" {
  command = plan

  variables {
    tasks_in_private_subnets = true
    az_count                 = 3
  }

  assert {
    condition     = length(aws_nat_gateway.main) == 1 && length(aws_route.private_nat) == 1 && !local.task_assign_public_ip
    error_message = "Private layout: one NAT gateway, no public IPs on tasks."
  }

  assert {
    condition     = length(aws_subnet.private) == 3
    error_message = "az_count sets the number of subnets."
  }
}

run "production_sizing_fits" {
  command = plan

  variables {
    db_instance_class         = "db.t4g.medium"
    api_desired_count         = 4
    worker_max_count          = 10
    worker_database_pool_size = 10
  }
}

run "connection_budget_is_enforced" {
  command = plan

  variables {
    worker_database_pool_size = 20
  }

  expect_failures = [aws_db_instance.main]
}

run "app_role_must_not_be_the_master_user" {
  command = plan

  variables {
    db_app_username = "orders_admin"
  }

  expect_failures = [var.db_app_username]
}

run "unknown_instance_class_is_rejected" {
  command = plan

  variables {
    db_instance_class = "db.x9.huge"
  }

  expect_failures = [aws_db_instance.main]
}

run "stop_timeout_must_exceed_drain" {
  command = plan

  variables {
    worker_stop_timeout_seconds = 15
  }

  expect_failures = [var.worker_stop_timeout_seconds]
}

run "deregistration_delay_must_be_15_to_30_seconds" {
  command = plan

  variables {
    alb_deregistration_delay_seconds = 5
  }

  expect_failures = [var.alb_deregistration_delay_seconds]
}

run "heartbeat_must_be_shorter_than_visibility" {
  command = plan

  variables {
    sqs_heartbeat_interval_seconds = 30
  }

  expect_failures = [var.sqs_heartbeat_interval_seconds]
}

run "lease_must_outlast_the_business_step" {
  command = plan

  variables {
    processing_delay_ms        = 45000
    worker_drain_rate_per_task = 0.05
  }

  expect_failures = [var.order_lease_seconds]
}

run "retry_delay_is_capped_by_sqs" {
  command = plan

  variables {
    retry_max_delay_ms = 1000000
  }

  expect_failures = [var.retry_max_delay_ms]
}

run "mutable_image_tag_is_rejected" {
  command = plan

  variables {
    image_tag = "latest"
  }

  expect_failures = [var.image_tag]
}

run "one_crash_must_not_dead_letter" {
  command = plan

  variables {
    sqs_max_receive_count = 1
  }

  expect_failures = [var.sqs_max_receive_count]
}

run "scale_in_threshold_must_stay_below_half_of_scale_out" {
  command = plan

  variables {
    worker_scale_in_backlog_seconds = 30
  }

  expect_failures = [var.worker_scale_out_backlog_seconds]
}

run "drain_rate_must_fit_the_worker_settings" {
  command = plan

  variables {
    processing_delay_ms = 500
  }

  expect_failures = [var.worker_drain_rate_per_task]
}
