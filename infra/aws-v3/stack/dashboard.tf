locals {
  alb_dimension  = aws_lb.main.arn_suffix
  tg_dimension   = aws_lb_target_group.api.arn_suffix
  queue_name     = aws_sqs_queue.orders.name
  dlq_name       = aws_sqs_queue.orders_dlq.name
  db_identifier  = aws_db_instance.main.identifier
  cluster_name   = aws_ecs_cluster.main.name
  api_service    = aws_ecs_service.api.name
  worker_service = aws_ecs_service.worker.name

  # Five rows of three graphs, each 8 wide and 6 high, in the order listed; each graph is drawn
  # over 60 s periods in the stack's region (local.dashboard places them).
  dashboard_rows = [
    # Row 1: the load balancer (traffic, errors, latency, target health).
    [
      {
        title = "ALB requests and errors"
        stat  = "Sum"
        metrics = [
          ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", local.alb_dimension],
          ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", local.alb_dimension],
          ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", local.alb_dimension, "TargetGroup", local.tg_dimension],
          ["AWS/ApplicationELB", "HTTPCode_Target_4XX_Count", "LoadBalancer", local.alb_dimension, "TargetGroup", local.tg_dimension],
        ]
      },
      {
        title = "API latency (target response time)"
        metrics = [
          ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", local.alb_dimension, "TargetGroup", local.tg_dimension, { stat = "p50", label = "p50" }],
          ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", local.alb_dimension, "TargetGroup", local.tg_dimension, { stat = "p95", label = "p95" }],
          ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", local.alb_dimension, "TargetGroup", local.tg_dimension, { stat = "p99", label = "p99" }],
        ]
      },
      {
        title = "API targets"
        stat  = "Minimum"
        metrics = [
          ["AWS/ApplicationELB", "HealthyHostCount", "LoadBalancer", local.alb_dimension, "TargetGroup", local.tg_dimension],
          ["AWS/ApplicationELB", "UnHealthyHostCount", "LoadBalancer", local.alb_dimension, "TargetGroup", local.tg_dimension],
        ]
      },
    ],
    # Row 2: the queue (backlog, age, dead letters).
    [
      {
        title = "Queue backlog"
        stat  = "Maximum"
        metrics = [
          ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", local.queue_name],
          ["AWS/SQS", "ApproximateNumberOfMessagesNotVisible", "QueueName", local.queue_name],
          ["AWS/SQS", "ApproximateNumberOfMessagesDelayed", "QueueName", local.queue_name],
        ]
      },
      {
        title = "Oldest message age (s)"
        stat  = "Maximum"
        metrics = [
          ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", local.queue_name],
        ]
      },
      {
        title = "SQS DLQ and business failures"
        metrics = [
          ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", local.dlq_name, { stat = "Maximum", label = "SQS DLQ visible" }],
          [var.metrics_namespace, "WorkerFailedCount", { stat = "Sum", label = "Business retries exhausted" }],
        ]
      },
    ],
    # Row 3: the database.
    [
      {
        title   = "RDS CPU (%)"
        stat    = "Average"
        metrics = [["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", local.db_identifier]]
      },
      {
        title   = "RDS connections"
        stat    = "Maximum"
        metrics = [["AWS/RDS", "DatabaseConnections", "DBInstanceIdentifier", local.db_identifier]]
      },
      {
        title   = "RDS free storage (bytes)"
        stat    = "Minimum"
        metrics = [["AWS/RDS", "FreeStorageSpace", "DBInstanceIdentifier", local.db_identifier]]
      },
    ],
    # Row 4: the programs.
    [
      {
        title = "Application metrics (from logs)"
        stat  = "Sum"
        metrics = [
          [var.metrics_namespace, "ApiErrorCount"],
          [var.metrics_namespace, "WorkerFailedCount"],
          [var.metrics_namespace, "PoisonMessageCount"],
          [var.metrics_namespace, "DeliveryCrashedCount"],
          [var.metrics_namespace, "WorkerStartFailedCount"],
        ]
      },
      {
        title = "Running tasks"
        stat  = "Average"
        metrics = [
          ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", local.cluster_name, "ServiceName", local.api_service],
          ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", local.cluster_name, "ServiceName", local.worker_service],
        ]
      },
      {
        title = "Task CPU and memory (%)"
        stat  = "Average"
        metrics = [
          ["AWS/ECS", "CPUUtilization", "ClusterName", local.cluster_name, "ServiceName", local.api_service],
          ["AWS/ECS", "CPUUtilization", "ClusterName", local.cluster_name, "ServiceName", local.worker_service],
          ["AWS/ECS", "MemoryUtilization", "ClusterName", local.cluster_name, "ServiceName", local.api_service],
          ["AWS/ECS", "MemoryUtilization", "ClusterName", local.cluster_name, "ServiceName", local.worker_service],
        ]
      },
    ],
    # Row 5: the programs' own metrics (EMF, no dimension: all tasks of both services).
    [
      {
        title = "Order throughput (per minute)"
        stat  = "Sum"
        metrics = [
          [var.metrics_namespace, "orders_created_total", { label = "created" }],
          [var.metrics_namespace, "orders_processed_total", { label = "processed" }],
          [var.metrics_namespace, "orders_retried_total", { label = "retried" }],
          [var.metrics_namespace, "orders_failed_total", { label = "failed" }],
        ]
      },
      {
        title = "Processing latency (s, claim to final write)"
        metrics = [
          [var.metrics_namespace, "order_processing_duration_seconds", { stat = "p50", label = "p50" }],
          [var.metrics_namespace, "order_processing_duration_seconds", { stat = "p95", label = "p95" }],
          [var.metrics_namespace, "order_processing_duration_seconds", { stat = "p99", label = "p99" }],
        ]
      },
      {
        title = "Outbox backlog and oldest due row"
        stat  = "Maximum"
        metrics = [
          [var.metrics_namespace, "outbox_backlog", { label = "due rows" }],
          [var.metrics_namespace, "outbox_oldest_age_seconds", { label = "oldest (s)", yAxis = "right" }],
        ]
      },
    ],
  ]

  dashboard = {
    widgets = flatten([
      for row, graphs in local.dashboard_rows : [
        for column, graph in graphs : {
          type       = "metric"
          x          = column * 8
          y          = row * 6
          width      = 8
          height     = 6
          properties = merge({ region = var.aws_region, view = "timeSeries", period = 60 }, graph)
        }
      ]
    ])
  }
}

resource "aws_cloudwatch_dashboard" "main" {
  dashboard_name = var.name_prefix
  dashboard_body = jsonencode(local.dashboard)
}
