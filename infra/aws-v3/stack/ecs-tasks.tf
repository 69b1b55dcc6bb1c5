# The programs' task definitions: the same Fargate task, each with its own size, task role and
# containers (the program's own in ecs-api.tf and ecs-worker.tf, then its sidecars, tracing.tf).
locals {
  program_tasks = {
    api = {
      cpu        = var.api_cpu
      memory     = var.api_memory
      containers = concat([local.api_container], local.api_sidecars)
    }
    worker = {
      cpu        = var.worker_cpu
      memory     = var.worker_memory
      containers = concat([local.worker_container], local.worker_sidecars)
    }
  }
}

resource "aws_ecs_task_definition" "program" {
  for_each = local.program_tasks

  family = "${var.name_prefix}-${each.key}"
  # A changed setting registers a new revision; the old ones stay ACTIVE (not deregistered), so
  # a roll-back to an earlier revision (docs/RUNBOOK.md) keeps working.
  skip_destroy             = true
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = each.value.cpu
  memory                   = each.value.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task[each.key].arn
  container_definitions    = jsonencode(each.value.containers)

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }
}
