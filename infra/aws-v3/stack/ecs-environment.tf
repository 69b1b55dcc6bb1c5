# ---------------------------------------------------------------------------------------------
# The programs' environment, as maps of variable name to value: what both programs read the same
# way is written once, and each container lists `merge(common, its own)` as ECS's name/value
# pairs. Names exactly as the programs read them (test/cross-check-config.test.ts compares them
# with the programs' Config calls). SQS_ENDPOINT stays unset: the SDK uses the regional endpoint.
# ---------------------------------------------------------------------------------------------

locals {
  program_common_environment = {
    PGHOST     = aws_db_instance.main.address
    PGPORT     = tostring(aws_db_instance.main.port)
    PGDATABASE = aws_db_instance.main.db_name
    PGUSER     = var.db_app_username
    # A token signed per new connection with the task role: nothing to rotate, nothing to inject.
    DATABASE_AUTH               = "iam"
    DATABASE_SSL                = "true"
    SQS_QUEUE_URL               = aws_sqs_queue.orders.url
    AWS_REGION                  = var.aws_region
    OTEL_EXPORTER_OTLP_ENDPOINT = local.otel_exporter_endpoint
    OTEL_EXPORTER_OTLP_PROTOCOL = "http/protobuf"
    OTEL_RESOURCE_ATTRIBUTES    = local.otel_resource_attribute
    OTEL_TRACES_SAMPLER         = "parentbased_traceidratio"
    OTEL_TRACES_SAMPLER_ARG     = local.otel_sampler_ratio
    METRICS_NAMESPACE           = var.metrics_namespace
    LOG_LEVEL                   = var.log_level
  }

  api_own_environment = {
    PORT = tostring(var.api_container_port)
    # The ALB reaches the task at its own address (awsvpc), not at loopback.
    API_HOST           = "0.0.0.0"
    DATABASE_POOL_SIZE = tostring(var.api_database_pool_size)
    OTEL_SERVICE_NAME  = "${var.name_prefix}-api"
    SHUTDOWN_DRAIN_MS  = tostring(var.api_shutdown_drain_ms)
    NODE_OPTIONS       = local.api_node_options
  }

  # SQS_VISIBILITY_TIMEOUT_SECONDS is the queue's own setting, so heartbeat and queue agree.
  worker_own_environment = {
    WORKER_MODE                     = "sqs-consumer"
    DATABASE_POOL_SIZE              = tostring(var.worker_database_pool_size)
    SQS_VISIBILITY_TIMEOUT_SECONDS  = tostring(var.sqs_visibility_timeout_seconds)
    SQS_HEARTBEAT_INTERVAL_SECONDS  = tostring(var.sqs_heartbeat_interval_seconds)
    OTEL_SERVICE_NAME               = "${var.name_prefix}-worker"
    WORKER_CONCURRENCY              = tostring(var.worker_concurrency)
    MAX_ATTEMPTS                    = tostring(var.max_attempts)
    RETRY_BASE_DELAY_MS             = tostring(var.retry_base_delay_ms)
    RETRY_MAX_DELAY_MS              = tostring(var.retry_max_delay_ms)
    FAILURE_PROBABILITY             = tostring(var.failure_probability)
    PROCESSING_DELAY_MS             = tostring(var.processing_delay_ms)
    ORDER_LEASE_SECONDS             = tostring(var.order_lease_seconds)
    SHUTDOWN_DRAIN_MS               = tostring(var.worker_shutdown_drain_ms)
    NODE_OPTIONS                    = local.worker_node_options
    ADMIN_PORT                      = tostring(var.worker_admin_port)
    WORKER_LIVENESS_TIMEOUT_SECONDS = tostring(var.worker_liveness_timeout_seconds)
  }
}
