# Dedicated databases for tenants moved off the shared database (hybrid tenancy, docs/adr/0001-tenancy.md).
# Each slug gets its own database with the shared database's settings (database.tf); the application routes the
# tenant with config/tenants.json, and the migration task runs against it like against the shared one.

variable "dedicated_tenants" {
  description = "Slugs of the tenants that get a dedicated database."
  type        = set(string)
  default     = []
}

resource "aws_db_instance" "tenant" {
  for_each = var.dedicated_tenants

  identifier     = "${local.name}-tenant-${each.key}"
  engine         = "postgres"
  engine_version = aws_db_instance.main.engine_version
  instance_class = var.db_instance_class
  db_name        = "app"
  username       = "owner"

  manage_master_user_password   = true
  master_user_secret_kms_key_id = aws_kms_key.main.arn

  allocated_storage     = var.db_allocated_storage_gb
  max_allocated_storage = var.db_allocated_storage_gb * 5
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = aws_kms_key.main.arn

  multi_az               = local.production
  db_subnet_group_name   = aws_db_subnet_group.main.name
  vpc_security_group_ids = [aws_security_group.database.id]
  parameter_group_name   = aws_db_parameter_group.main.name
  publicly_accessible    = false
  ca_cert_identifier     = "rds-ca-rsa2048-g1"

  backup_retention_period   = var.db_backup_retention_days
  backup_window             = "02:00-03:00"
  maintenance_window        = "sun:03:30-sun:04:30"
  copy_tags_to_snapshot     = true
  delete_automated_backups  = false
  deletion_protection       = true
  skip_final_snapshot       = false
  final_snapshot_identifier = "${local.name}-tenant-${each.key}-final"

  auto_minor_version_upgrade          = true
  iam_database_authentication_enabled = true
  performance_insights_enabled        = true
  performance_insights_kms_key_id     = aws_kms_key.main.arn
  enabled_cloudwatch_logs_exports     = ["postgresql", "upgrade"]

  tags = { Tenant = each.key }
}

output "tenant_database_endpoints" {
  description = "Host and port of each dedicated tenant database, for its connection string."
  value       = { for slug, db in aws_db_instance.tenant : slug => db.endpoint }
}
