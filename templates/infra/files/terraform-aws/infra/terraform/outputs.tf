output "load_balancer_dns_name" {
  description = "Point the API's domain (domain_name) at this name, with an alias or CNAME record."
  value       = aws_lb.main.dns_name
}

output "certificate_validation_records" {
  description = "DNS records that validate the API's certificate."
  value       = aws_acm_certificate.main.domain_validation_options
}

output "deploy_role_arn" {
  description = "Role CI assumes to migrate and deploy this environment (AWS_DEPLOY_ROLE_ARN)."
  value       = aws_iam_role.deploy.arn
}

output "database_endpoint" {
  description = "Host and port of the database, for the connection strings in the secrets."
  value       = aws_db_instance.main.endpoint
}

output "database_replica_endpoint" {
  description = "Host and port of the read replica, when there is one."
  value       = one(aws_db_instance.replica[*].endpoint)
}

output "database_master_secret_arn" {
  description = "Secret holding the owner's password, managed and rotated by RDS."
  value       = aws_db_instance.main.master_user_secret[0].secret_arn
}

output "app_secret_arn" {
  description = "Secret to fill with DATABASE_URL, JWT_SECRET and SMTP_URL."
  value       = aws_secretsmanager_secret.app.arn
}

output "migration_secret_arn" {
  description = "Secret to fill with MIGRATION_DATABASE_URL."
  value       = aws_secretsmanager_secret.migration.arn
}

output "uploads_bucket" {
  description = "Bucket of the uploads (S3_BUCKET)."
  value       = aws_s3_bucket.uploads.bucket
}

output "alarm_topic_arn" {
  description = "SNS topic every alarm notifies; subscribe the on-call tooling to it."
  value       = aws_sns_topic.alarms.arn
}
