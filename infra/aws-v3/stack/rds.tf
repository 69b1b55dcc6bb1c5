locals {
  db_port        = 5432
  db_log_exports = ["postgresql", "upgrade"]

  # Planning values of RDS PostgreSQL's default max_connections, LEAST(DBInstanceClassMemory /
  # 9531392, 5000). DBInstanceClassMemory is the class memory less what the OS and RDS keep
  # (SHOW max_connections gives about 80 on 1 GiB classes, not the nominal 112), so each value
  # is 72 % of the nominal figure, rounded down. The README has the table.
  rds_max_connections = {
    "db.t4g.micro"   = 80
    "db.t4g.small"   = 162
    "db.t4g.medium"  = 324
    "db.t4g.large"   = 648
    "db.t4g.xlarge"  = 1297
    "db.t4g.2xlarge" = 2594
    "db.t3.micro"    = 80
    "db.t3.small"    = 162
    "db.t3.medium"   = 324
    "db.t3.large"    = 648
    "db.m7g.large"   = 648
    "db.m7g.xlarge"  = 1297
    "db.m7g.2xlarge" = 2594
    "db.m6g.large"   = 648
    "db.m6g.xlarge"  = 1297
    "db.r7g.large"   = 1297
    "db.r7g.xlarge"  = 2594
    "db.r6g.large"   = 1297
  }

  # Kept free: 3 superuser_reserved_connections (rdsadmin) plus 5 for operators, migrations
  # run by hand and monitoring.
  db_reserved_connections = 8

  # Rolling deployments run up to deployment_maximum_percent of a service's tasks at once. A
  # worker also holds one connection outside its pool, listening for outbox notifications, and one
  # process of the deployment one more, the outbox backlog sampler's (its advisory lock).
  db_connections_peak = (
    ceil(var.api_desired_count * local.api_deployment_maximum_percent / 100) * var.api_database_pool_size +
    ceil(var.worker_max_count * local.worker_deployment_maximum_percent / 100) * (var.worker_database_pool_size + 1) +
    1
  )
}

resource "aws_db_subnet_group" "main" {
  name        = "${var.name_prefix}-db"
  description = "Private subnets of the order database"
  subnet_ids  = aws_subnet.private[*].id
}

resource "aws_db_parameter_group" "main" {
  name_prefix = "${var.name_prefix}-pg${var.db_engine_version}-"
  family      = "postgres${var.db_engine_version}"
  description = "Order platform PostgreSQL ${var.db_engine_version}: TLS required"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_db_instance" "main" {
  identifier     = "${var.name_prefix}-db"
  engine         = "postgres"
  engine_version = var.db_engine_version
  instance_class = var.db_instance_class
  port           = local.db_port

  db_name                     = var.db_name
  username                    = var.db_username
  manage_master_user_password = true
  # The programs log in as var.db_app_username with a token per connection (db-app-role.tf).
  iam_database_authentication_enabled = true

  allocated_storage     = var.db_allocated_storage_gb
  max_allocated_storage = var.db_max_allocated_storage_gb
  storage_type          = "gp3"
  storage_encrypted     = true

  db_subnet_group_name   = aws_db_subnet_group.main.name
  vpc_security_group_ids = [aws_security_group.db.id]
  publicly_accessible    = false
  multi_az               = var.db_multi_az
  parameter_group_name   = aws_db_parameter_group.main.name

  backup_retention_period    = var.db_backup_retention_days
  backup_window              = "02:00-03:00"
  maintenance_window         = "sun:03:30-sun:04:30"
  copy_tags_to_snapshot      = true
  auto_minor_version_upgrade = true
  apply_immediately          = var.db_apply_immediately

  deletion_protection       = var.db_deletion_protection
  skip_final_snapshot       = var.db_skip_final_snapshot
  final_snapshot_identifier = "${var.name_prefix}-db-final"

  enabled_cloudwatch_logs_exports = local.db_log_exports

  # Database load by wait event and SQL statement (CloudWatch Database Insights, standard mode):
  # 7 days are free; the runbook's first check on a busy database.
  performance_insights_enabled          = var.db_performance_insights_enabled
  performance_insights_retention_period = var.db_performance_insights_enabled ? 7 : null

  lifecycle {
    precondition {
      condition     = contains(keys(local.rds_max_connections), var.db_instance_class)
      error_message = "db_instance_class has no entry in local.rds_max_connections (rds.tf): add its planning max_connections."
    }

    precondition {
      condition     = local.db_connections_peak <= lookup(local.rds_max_connections, var.db_instance_class, 0) - local.db_reserved_connections
      error_message = "Peak tasks during a deployment x DATABASE_POOL_SIZE exceeds the connection limit of db_instance_class: lower a pool size or a task count, or pick a larger class."
    }
  }

  depends_on = [aws_cloudwatch_log_group.db]
}
