output "alb_url" {
  description = "Base URL of the API (https when a certificate is set)."
  value       = local.alb_url
}

output "sqs_queue_url" {
  description = "URL of the main queue (the programs' SQS_QUEUE_URL)."
  value       = aws_sqs_queue.orders.url
}

output "sqs_dlq_url" {
  description = "URL of the SQS dead-letter queue (inspect and redrive from here)."
  value       = aws_sqs_queue.orders_dlq.url
}

output "ecr_repository_urls" {
  description = "ECR repository URL of each program (api, worker): push <url>:<commit sha>."
  value       = { for program, repository in aws_ecr_repository.program : program => repository.repository_url }
}

output "ecs_cluster_name" {
  description = "ECS cluster of both services."
  value       = aws_ecs_cluster.main.name
}

output "ecs_service_names" {
  description = "ECS service of each program."
  value = {
    api    = aws_ecs_service.api.name
    worker = aws_ecs_service.worker.name
  }
}

output "ecs_task_definition_families" {
  description = "Task definition family of each program (the pipeline registers new revisions in these)."
  value = {
    api    = aws_ecs_task_definition.program["api"].family
    worker = aws_ecs_task_definition.program["worker"].family
  }
}

output "ecs_container_names" {
  description = "Container name of each program inside its task definition (the pipeline swaps its image)."
  value = {
    api    = local.api_container_name
    worker = local.worker_container_name
  }
}

output "db_endpoint" {
  description = "Address of the PostgreSQL instance (reachable only from the tasks)."
  value       = aws_db_instance.main.address
}

output "db_master_secret_arn" {
  description = "Secrets Manager secret holding the database master credentials (managed and rotated by RDS): break-glass only, no task reads it but db-bootstrap."
  value       = aws_db_instance.main.master_user_secret[0].secret_arn
}

output "admin_token_secret_arn" {
  description = "Secrets Manager secret holding ADMIN_TOKEN (read it with aws secretsmanager get-secret-value)."
  value       = aws_secretsmanager_secret.admin_token.arn
}

output "alarm_topic_arn" {
  description = "SNS topic every alarm and ECS event rule publishes to."
  value       = aws_sns_topic.alarms.arn
}

output "log_group_names" {
  description = "CloudWatch log group of each program."
  value = {
    api    = aws_cloudwatch_log_group.api.name
    worker = aws_cloudwatch_log_group.worker.name
  }
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the platform."
  value       = aws_cloudwatch_dashboard.main.dashboard_name
}

output "db_app_username" {
  description = "The application role the programs log in as (IAM authentication; PGUSER of both tasks)."
  value       = var.db_app_username
}
