resource "aws_ecs_cluster" "main" {
  name = var.name_prefix

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

locals {
  # The RDS-managed master secret is a JSON document; ECS injects its "password" key.
  db_password_value_from = "${aws_db_instance.main.master_user_secret[0].secret_arn}:password::"
}
