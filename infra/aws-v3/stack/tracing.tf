# ---------------------------------------------------------------------------------------------
# Distributed tracing (OpenTelemetry → AWS X-Ray). With tracing_enabled each task runs an AWS
# Distro for OpenTelemetry collector next to its program: the program posts OTLP/HTTP spans to it
# on the task's loopback (127.0.0.1:4318), and the collector sends them to X-Ray with the task
# role. Off, the programs' OTEL_EXPORTER_OTLP_ENDPOINT is empty, which means unset: no spans are
# built for export and nothing is sent.
# ---------------------------------------------------------------------------------------------

variable "tracing_enabled" {
  type        = bool
  description = "Run an ADOT collector sidecar in both task definitions and export traces to AWS X-Ray (OTEL_EXPORTER_OTLP_ENDPOINT points at it). Node's heap limit then leaves otel_collector_memory MiB of the task to the collector."
  default     = false
}

variable "tracing_sample_ratio" {
  type        = number
  description = "OTEL_TRACES_SAMPLER_ARG of both programs (sampler parentbased_traceidratio): the share of new traces recorded, 0 to 1. A request that arrives with a sampled traceparent is always recorded."
  default     = 1

  validation {
    condition     = var.tracing_sample_ratio >= 0 && var.tracing_sample_ratio <= 1
    error_message = "tracing_sample_ratio must be from 0 to 1."
  }
}

variable "otel_collector_image" {
  type        = string
  description = "Image of the ADOT collector sidecar (pinned: a collector upgrade is a reviewed change)."
  default     = "public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0"
}

variable "otel_collector_memory" {
  type        = number
  description = "Memory reserved for the ADOT collector sidecar in each task, MiB (taken out of the program's heap limit while tracing_enabled)."
  default     = 64
}

locals {
  otel_collector_name = "otel-collector"
  otlp_http_endpoint  = "http://127.0.0.1:4318"

  # Traces only: OTLP/HTTP in on the loopback (nothing outside the task can send), X-Ray out.
  otel_collector_config = yamlencode({
    receivers  = { otlp = { protocols = { http = { endpoint = "127.0.0.1:4318" } } } }
    processors = { "batch/traces" = { timeout = "1s", send_batch_size = 50 } }
    exporters  = { awsxray = { region = var.aws_region } }
    service = {
      pipelines = { traces = { receivers = ["otlp"], processors = ["batch/traces"], exporters = ["awsxray"] } }
    }
  })

  # Not essential: a collector that dies costs traces, never the program's task.
  otel_collector_base = {
    name                   = local.otel_collector_name
    image                  = var.otel_collector_image
    essential              = false
    memoryReservation      = var.otel_collector_memory
    readonlyRootFilesystem = true
    environment            = [{ name = "AOT_CONFIG_CONTENT", value = local.otel_collector_config }]
  }
  otel_collector_log_options = {
    "awslogs-region"        = var.aws_region
    "awslogs-stream-prefix" = local.otel_collector_name
    "mode"                  = "non-blocking"
  }

  # Its log lines go to the program's log group, under their own stream prefix.
  api_otel_collector = merge(local.otel_collector_base, {
    logConfiguration = {
      logDriver = "awslogs"
      options   = merge(local.otel_collector_log_options, { "awslogs-group" = aws_cloudwatch_log_group.api.name })
    }
  })
  worker_otel_collector = merge(local.otel_collector_base, {
    logConfiguration = {
      logDriver = "awslogs"
      options   = merge(local.otel_collector_log_options, { "awslogs-group" = aws_cloudwatch_log_group.worker.name })
    }
  })

  # The sidecar, in each task definition's container list after the program, when tracing is on.
  api_sidecars    = var.tracing_enabled ? [local.api_otel_collector] : []
  worker_sidecars = var.tracing_enabled ? [local.worker_otel_collector] : []

  # The program starts once the collector has, so its first spans have somewhere to go.
  tracing_depends_on = var.tracing_enabled ? [{ containerName = local.otel_collector_name, condition = "START" }] : []

  # Values of the OTEL_* variables both task definitions set ("" is unset: tracing off).
  otel_exporter_endpoint  = var.tracing_enabled ? local.otlp_http_endpoint : ""
  otel_resource_attribute = "deployment.environment=${var.environment}"
  otel_sampler_ratio      = tostring(var.tracing_sample_ratio)
  otel_memory_share       = var.tracing_enabled ? var.otel_collector_memory : 0
}

# X-Ray takes no resource-level permissions for these actions: "*" is the only resource.
data "aws_iam_policy_document" "xray_write" {
  statement {
    sid = "SendTracesToXRay"
    actions = [
      "xray:PutTraceSegments",
      "xray:PutTelemetryRecords",
      "xray:GetSamplingRules",
      "xray:GetSamplingTargets",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "xray" {
  for_each = var.tracing_enabled ? { for program, role in aws_iam_role.task : program => role.id } : {}

  name   = "xray-traces"
  role   = each.value
  policy = data.aws_iam_policy_document.xray_write.json
}
