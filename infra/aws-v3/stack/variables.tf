# ---------------------------------------------------------------------------------------------
# General
# ---------------------------------------------------------------------------------------------

variable "aws_region" {
  type        = string
  description = "AWS region of the whole stack; also passed to the programs as AWS_REGION."
  default     = "eu-west-1"
}

variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name (queues, cluster, services, log groups, roles)."
  default     = "order-platform"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-22 characters of lower-case letters, digits and hyphens (ALB and target group names are limited to 32)."
  }
}

variable "environment" {
  type        = string
  description = "Environment name, used in tags only (dev, staging, prod)."
  default     = "dev"
}

# ---------------------------------------------------------------------------------------------
# Network
# ---------------------------------------------------------------------------------------------

variable "vpc_cidr" {
  type        = string
  description = "CIDR block of the VPC; public subnets take /24s from .0 up, private subnets from .100 up."
  default     = "10.40.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && tonumber(split("/", var.vpc_cidr)[1]) <= 16
    error_message = "vpc_cidr must be a valid CIDR block of /16 or larger."
  }
}

variable "az_count" {
  type        = number
  description = "Number of availability zones (one public and one private subnet in each); RDS and the ALB need at least 2."
  default     = 2

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 4
    error_message = "az_count must be between 2 and 4."
  }
}

variable "tasks_in_private_subnets" {
  type        = bool
  description = "false (default, cheapest): ECS tasks run in the public subnets with a public IP and no NAT gateway. true: tasks run in the private subnets behind one NAT gateway."
  default     = false
}

# ---------------------------------------------------------------------------------------------
# Load balancer
# ---------------------------------------------------------------------------------------------

variable "acm_certificate_arn" {
  type        = string
  description = "ARN of an ACM certificate for the ALB. Set: HTTPS on 443 and HTTP redirects to it. Empty: plain HTTP on 80 (development only)."
  default     = ""

  validation {
    condition     = var.acm_certificate_arn == "" || can(regex("^arn:aws[a-z-]*:acm:", var.acm_certificate_arn))
    error_message = "acm_certificate_arn must be empty or an ACM certificate ARN."
  }
}

variable "alb_ssl_policy" {
  type        = string
  description = "TLS policy of the HTTPS listener (TLS 1.2 minimum)."
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

variable "alb_deletion_protection" {
  type        = bool
  description = "Protect the ALB from deletion (turn off before terraform destroy)."
  default     = false
}

variable "alb_deregistration_delay_seconds" {
  type        = number
  description = "Seconds the ALB lets requests in flight on a deregistered API target finish before ECS sends SIGTERM (15-30: at least the API's 15 s statement timeout, short enough for quick deploys)."
  default     = 20

  validation {
    condition     = var.alb_deregistration_delay_seconds >= 15 && var.alb_deregistration_delay_seconds <= 30
    error_message = "alb_deregistration_delay_seconds must be between 15 and 30: a request's longest statement (DATABASE_STATEMENT_TIMEOUT_MS, 15 s) must fit, and every API task stopped in a deploy waits this long."
  }
}

# ---------------------------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------------------------

variable "image_tag" {
  type        = string
  description = "Image tag of both programs in ECR: the commit SHA the pipeline built. Later deploys register new revisions from the pipeline."

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$", var.image_tag)) && var.image_tag != "latest"
    error_message = "image_tag must be an immutable tag such as a commit SHA (not latest)."
  }
}

variable "cpu_architecture" {
  type        = string
  description = "CPU architecture of the images and Fargate tasks (X86_64 or ARM64)."
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "ecr_image_retention_count" {
  type        = number
  description = "Number of tagged images each ECR repository keeps (older ones expire; keep enough to roll back)."
  default     = 30
}

variable "ecr_force_delete" {
  type        = bool
  description = "Let terraform destroy delete ECR repositories that still hold images."
  default     = false
}

# ---------------------------------------------------------------------------------------------
# Programs: settings shared by both
# ---------------------------------------------------------------------------------------------

variable "log_level" {
  type        = string
  description = "LOG_LEVEL of both programs."
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARN", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARN or ERROR."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the CloudWatch log groups, in days."
  default     = 7

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs supports."
  }
}

# ---------------------------------------------------------------------------------------------
# API service
# ---------------------------------------------------------------------------------------------

variable "api_container_port" {
  type        = number
  description = "Port the API listens on (PORT) and the target group forwards to."
  default     = 8080
}

variable "api_health_check_path" {
  type        = string
  description = "Readiness path of the API used by the target group health check."
  default     = "/health/ready"
}

variable "api_desired_count" {
  type        = number
  description = "Number of API tasks."
  default     = 2

  validation {
    condition     = var.api_desired_count >= 1
    error_message = "Run at least one API task."
  }
}

variable "api_cpu" {
  type        = number
  description = "CPU units of an API task (256 = 0.25 vCPU)."
  default     = 256
}

variable "api_memory" {
  type        = number
  description = "Memory of an API task, MiB (a valid Fargate combination with api_cpu). Node's heap (old and young generation) is 75 % of it (NODE_OPTIONS, locals.tf)."
  default     = 512
}

variable "api_database_pool_size" {
  type        = number
  description = "DATABASE_POOL_SIZE of each API task."
  default     = 5

  validation {
    condition     = var.api_database_pool_size >= 1
    error_message = "api_database_pool_size must be at least 1."
  }
}

variable "api_shutdown_drain_ms" {
  type        = number
  description = "SHUTDOWN_DRAIN_MS of the API: time to finish in-flight requests after SIGTERM."
  default     = 10000
}

variable "api_stop_timeout_seconds" {
  type        = number
  description = "ECS stopTimeout of the API container: seconds between SIGTERM and SIGKILL (Fargate maximum 120)."
  default     = 30

  validation {
    condition     = var.api_stop_timeout_seconds <= 120 && var.api_stop_timeout_seconds * 1000 > var.api_shutdown_drain_ms
    error_message = "api_stop_timeout_seconds must be at most 120 and longer than api_shutdown_drain_ms."
  }
}

# ---------------------------------------------------------------------------------------------
# Worker service
# ---------------------------------------------------------------------------------------------

variable "worker_min_count" {
  type        = number
  description = "Minimum number of worker tasks (autoscaling floor)."
  default     = 1

  validation {
    condition     = var.worker_min_count >= 1
    error_message = "Run at least one worker task."
  }
}

variable "worker_max_count" {
  type        = number
  description = "Maximum number of worker tasks (autoscaling ceiling)."
  default     = 5

  validation {
    condition     = var.worker_max_count >= var.worker_min_count
    error_message = "worker_max_count must be at least worker_min_count."
  }
}

variable "worker_cpu" {
  type        = number
  description = "CPU units of a worker task (256 = 0.25 vCPU)."
  default     = 256
}

variable "worker_memory" {
  type        = number
  description = "Memory of a worker task, MiB (a valid Fargate combination with worker_cpu). Node's heap limit is 75 % of it (NODE_OPTIONS, locals.tf)."
  default     = 512
}

variable "worker_database_pool_size" {
  type        = number
  description = "DATABASE_POOL_SIZE of each worker task."
  default     = 4

  validation {
    condition     = var.worker_database_pool_size >= 1
    error_message = "worker_database_pool_size must be at least 1."
  }
}

variable "worker_concurrency" {
  type        = number
  description = "WORKER_CONCURRENCY: messages one worker task processes at once."
  default     = 10

  validation {
    condition     = var.worker_concurrency >= 1
    error_message = "worker_concurrency must be at least 1."
  }
}

variable "worker_shutdown_drain_ms" {
  type        = number
  description = "SHUTDOWN_DRAIN_MS of the worker: time in-flight messages get to finish after SIGTERM."
  default     = 20000
}

variable "worker_stop_timeout_seconds" {
  type        = number
  description = "ECS stopTimeout of the worker container: seconds between SIGTERM and SIGKILL (Fargate maximum 120)."
  default     = 30

  validation {
    condition     = var.worker_stop_timeout_seconds <= 120 && var.worker_stop_timeout_seconds * 1000 > var.worker_shutdown_drain_ms
    error_message = "worker_stop_timeout_seconds must be at most 120 and longer than worker_shutdown_drain_ms."
  }
}

variable "max_attempts" {
  type        = number
  description = "MAX_ATTEMPTS: business attempts of an order before it is FAILED and written to the business DLQ."
  default     = 5
}

variable "retry_base_delay_ms" {
  type        = number
  description = "RETRY_BASE_DELAY_MS: delay before the second attempt; attempt n waits min(base * 2^(n-1), cap)."
  default     = 1000
}

variable "retry_max_delay_ms" {
  type        = number
  description = "RETRY_MAX_DELAY_MS: cap of the retry delay; at most 900000 (SQS DelaySeconds limit)."
  default     = 60000

  validation {
    condition     = var.retry_max_delay_ms >= var.retry_base_delay_ms && var.retry_max_delay_ms <= 900000
    error_message = "retry_max_delay_ms must be at least retry_base_delay_ms and at most 900000 (15 minutes)."
  }
}

variable "failure_probability" {
  type        = number
  description = "FAILURE_PROBABILITY of the simulated business step (0 = never fails)."
  default     = 0

  validation {
    condition     = var.failure_probability >= 0 && var.failure_probability <= 1
    error_message = "failure_probability must be between 0 and 1."
  }
}

variable "processing_delay_ms" {
  type        = number
  description = "PROCESSING_DELAY_MS of the simulated business step."
  default     = 50
}

variable "order_lease_seconds" {
  type        = number
  description = "ORDER_LEASE_SECONDS: how long a worker's claim on an order lasts; longer than the business step. A message redelivered after its worker died waits for the lease to expire, then takes the order over."
  default     = 30

  validation {
    condition     = var.order_lease_seconds >= 1 && var.order_lease_seconds * 1000 > var.processing_delay_ms
    error_message = "order_lease_seconds must be at least 1 and outlast the business step (processing_delay_ms)."
  }
}

# ---------------------------------------------------------------------------------------------
# Queue
# ---------------------------------------------------------------------------------------------

variable "sqs_visibility_timeout_seconds" {
  type        = number
  description = "Visibility timeout of the main queue; also the worker's SQS_VISIBILITY_TIMEOUT_SECONDS."
  default     = 30

  validation {
    condition     = var.sqs_visibility_timeout_seconds >= 10 && var.sqs_visibility_timeout_seconds <= 43200
    error_message = "sqs_visibility_timeout_seconds must be between 10 and 43200."
  }
}

variable "sqs_heartbeat_interval_seconds" {
  type        = number
  description = "SQS_HEARTBEAT_INTERVAL_SECONDS: how often the worker extends the visibility of a message still in work."
  default     = 10

  validation {
    condition     = var.sqs_heartbeat_interval_seconds >= 1 && var.sqs_heartbeat_interval_seconds < var.sqs_visibility_timeout_seconds
    error_message = "sqs_heartbeat_interval_seconds must be shorter than sqs_visibility_timeout_seconds."
  }
}

variable "sqs_max_receive_count" {
  type        = number
  description = "Receives of one message before SQS moves it to the DLQ (crashes, infrastructure errors, poison messages)."
  default     = 5

  validation {
    condition     = var.sqs_max_receive_count >= 2 && var.sqs_max_receive_count <= 1000
    error_message = "sqs_max_receive_count must be between 2 (one crash must not dead-letter a message) and 1000."
  }
}

# ---------------------------------------------------------------------------------------------
# Database
# ---------------------------------------------------------------------------------------------

variable "db_instance_class" {
  type        = string
  description = "RDS instance class; must be a key of local.rds_max_connections (rds.tf) so the connection budget can be checked."
  default     = "db.t4g.micro"
}

variable "db_engine_version" {
  type        = string
  description = "PostgreSQL major version (16 or later); RDS picks the minor version and upgrades it."
  default     = "17"

  validation {
    condition     = can(regex("^[0-9]+$", var.db_engine_version)) && tonumber(var.db_engine_version) >= 16
    error_message = "db_engine_version must be a PostgreSQL major version, 16 or later."
  }
}

variable "db_allocated_storage_gb" {
  type        = number
  description = "Initial storage of the database, GiB."
  default     = 20
}

variable "db_max_allocated_storage_gb" {
  type        = number
  description = "Storage autoscaling ceiling of the database, GiB."
  default     = 100
}

variable "db_name" {
  type        = string
  description = "Name of the application database (PGDATABASE)."
  default     = "orders"
}

variable "db_username" {
  type        = string
  description = "Master user name: break-glass only (the programs log in as db_app_username); its password is generated, kept and rotated by RDS in Secrets Manager."
  default     = "orders_admin"
}

variable "db_app_username" {
  type        = string
  description = "Application role the programs log in as (PGUSER), with IAM authentication tokens; created by the db-bootstrap task (db-app-role.tf)."
  default     = "orders_app"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.db_app_username)) && var.db_app_username != var.db_username
    error_message = "db_app_username must be a lower-case PostgreSQL identifier (letters, digits, _) other than db_username."
  }
}

variable "db_multi_az" {
  type        = bool
  description = "Run a standby instance in a second AZ."
  default     = false
}

variable "db_backup_retention_days" {
  type        = number
  description = "Days automated backups are kept."
  default     = 7

  validation {
    condition     = var.db_backup_retention_days >= 1 && var.db_backup_retention_days <= 35
    error_message = "db_backup_retention_days must be between 1 and 35."
  }
}

variable "db_deletion_protection" {
  type        = bool
  description = "Protect the database from deletion. Default true; set false (and apply) before terraform destroy."
  default     = true
}

variable "db_skip_final_snapshot" {
  type        = bool
  description = "Skip the final snapshot when the database is destroyed. Default false (a snapshot named <name_prefix>-db-final is kept)."
  default     = false
}

variable "db_performance_insights_enabled" {
  type        = bool
  description = "Performance Insights (CloudWatch Database Insights, standard mode, 7 days free): database load by wait event and statement."
  default     = true
}

variable "db_apply_immediately" {
  type        = bool
  description = "Apply database changes at once instead of in the next maintenance window."
  default     = false
}

# ---------------------------------------------------------------------------------------------
# Alarms
# ---------------------------------------------------------------------------------------------

variable "worker_admin_port" {
  type        = number
  description = "Loopback port of the worker's /health/live and /metrics (ADMIN_PORT); the container health check asks it."
  default     = 9090

  validation {
    condition     = var.worker_admin_port >= 1 && var.worker_admin_port <= 65535
    error_message = "worker_admin_port must be a port from 1 to 65535."
  }
}

variable "worker_liveness_timeout_seconds" {
  type        = number
  description = "The worker's /health/live fails (and ECS replaces the task) once its receive loop has completed no turn for this long; above the SQS long poll (20 s) and the slowest business step."
  default     = 120

  validation {
    condition     = var.worker_liveness_timeout_seconds >= 30
    error_message = "worker_liveness_timeout_seconds must be at least 30 (a long poll alone lasts 20 s)."
  }
}

variable "metrics_namespace" {
  type        = string
  description = "CloudWatch namespace of the metrics extracted from the programs' logs: the log metric filters' and the programs' own EMF lines (METRICS_NAMESPACE)."
  default     = "OrderPlatform"
}

variable "alarm_email" {
  type        = string
  description = "E-mail address subscribed to the alarm topic (empty: no subscription)."
  default     = ""
}

variable "alarm_oldest_message_age_seconds" {
  type        = number
  description = "Worker stuck: the oldest message of the main queue is older than this for 5 minutes."
  default     = 300
}

variable "alarm_outbox_oldest_age_seconds" {
  type        = number
  description = "Relay stuck: an outbox row has been due (not sent) for longer than this for 5 minutes."
  default     = 300
}

variable "alarm_backlog_messages" {
  type        = number
  description = "Worker stuck: more visible messages than this for 15 minutes although the worker scaled out."
  default     = 1000
}

variable "alarm_api_5xx_count" {
  type        = number
  description = "API broken: more 5xx responses (from the ALB or the targets) than this per minute, 3 minutes running."
  default     = 5
}

variable "alarm_api_p95_latency_seconds" {
  type        = number
  description = "Slow API: p95 target response time above this, 5 minutes running."
  default     = 1
}

variable "alarm_db_cpu_percent" {
  type        = number
  description = "DB overload: RDS CPU above this percentage for 15 minutes."
  default     = 80
}

variable "alarm_db_free_storage_bytes" {
  type        = number
  description = "Disk exhaustion: RDS free storage below this many bytes."
  default     = 2147483648
}

# ---------------------------------------------------------------------------------------------
# Autoscaling of the worker
# ---------------------------------------------------------------------------------------------

variable "worker_drain_rate_per_task" {
  type        = number
  description = "Planning drain rate of one worker task, messages per second: the scaling thresholds are seconds of backlog at this rate (derivation in autoscaling.tf)."
  default     = 50

  validation {
    # A quarter of what WORKER_CONCURRENCY and the business step allow one task at most.
    condition     = var.worker_drain_rate_per_task > 0 && var.worker_drain_rate_per_task * 4 <= var.worker_concurrency * 1000 / max(var.processing_delay_ms, 1)
    error_message = "worker_drain_rate_per_task must be positive and at most a quarter of worker_concurrency / processing_delay_ms (re-derive it, see autoscaling.tf)."
  }
}

variable "worker_scale_out_backlog_seconds" {
  type        = number
  description = "Scale the worker out when the visible backlog per running task is this many seconds of work at worker_drain_rate_per_task."
  default     = 60

  validation {
    # Removing one of n >= 2 tasks multiplies the backlog per task by at most 2.
    condition     = var.worker_scale_out_backlog_seconds > 2 * var.worker_scale_in_backlog_seconds
    error_message = "worker_scale_out_backlog_seconds must exceed twice worker_scale_in_backlog_seconds, or scaling in would trigger the next scale-out."
  }
}

variable "worker_scale_in_backlog_seconds" {
  type        = number
  description = "Remove one worker task when the visible backlog per running task stays at or below this many seconds of work for worker_scale_in_minutes."
  default     = 10

  validation {
    condition     = var.worker_scale_in_backlog_seconds >= 0
    error_message = "worker_scale_in_backlog_seconds must not be negative."
  }
}

variable "worker_scale_in_minutes" {
  type        = number
  description = "Minutes the backlog per task must stay at or below the scale-in threshold before one worker task is removed."
  default     = 15

  validation {
    condition     = var.worker_scale_in_minutes >= 5
    error_message = "worker_scale_in_minutes must be at least 5 (a task is cheap; flapping is not)."
  }
}

# ---------------------------------------------------------------------------------------------
# Secrets
# ---------------------------------------------------------------------------------------------

variable "generate_admin_token" {
  type        = bool
  description = "Generate ADMIN_TOKEN in Terraform (default). false: store the ephemeral variable admin_token instead."
  default     = true
}

variable "admin_token" {
  type        = string
  description = "ADMIN_TOKEN to store when generate_admin_token is false (ephemeral: never in plan or state; pass it as TF_VAR_admin_token)."
  default     = null
  sensitive   = true
  ephemeral   = true

  validation {
    condition     = var.admin_token == null || length(coalesce(var.admin_token, "-")) >= 32
    error_message = "admin_token must be at least 32 characters."
  }
}

variable "admin_token_version" {
  type        = number
  description = "Bump to generate and store a new ADMIN_TOKEN (then force a new deployment of the API)."
  default     = 1
}
