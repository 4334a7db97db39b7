variable "environment" {
  description = "Deployment environment: staging or production."
  type        = string

  validation {
    condition     = contains(["staging", "production"], var.environment)
    error_message = "environment must be staging or production."
  }
}

variable "aws_region" {
  description = "AWS region of every resource of this environment."
  type        = string
}

variable "repository" {
  description = "The CI repository whose main branch may deploy this environment through OIDC (owner/name or group/project)."
  type        = string
}

variable "domain_name" {
  description = "Public host name of the API (an ACM certificate is requested for it; validate it through DNS)."
  type        = string
}

variable "initial_image_digest" {
  description = "Digest (sha256:...) of an image in the registry, used by the first task definitions only; CI deploys every later release."
  type        = string

  validation {
    condition     = can(regex("^sha256:[0-9a-f]{64}$", var.initial_image_digest))
    error_message = "initial_image_digest must look like sha256:<64 hex digits>."
  }
}

variable "vpc_cidr" {
  description = "Address range of the VPC; each subnet takes a /20 of a /16."
  type        = string
  default     = "10.0.0.0/16"
}

variable "container_port" {
  description = "Port the API listens on in its container (PORT)."
  type        = number
  default     = 3000
}

variable "api_cpu" {
  description = "CPU units of an API task (1024 = one vCPU)."
  type        = number
  default     = 512
}

variable "api_memory" {
  description = "Memory of an API task, in MiB."
  type        = number
  default     = 1024
}

variable "api_desired_count" {
  description = "API tasks in normal operation; CPU autoscaling adds up to four times as many."
  type        = number
  default     = 2
}

variable "worker_cpu" {
  description = "CPU units of a worker task."
  type        = number
  default     = 256
}

variable "worker_memory" {
  description = "Memory of a worker task, in MiB."
  type        = number
  default     = 512
}

variable "worker_desired_count" {
  description = "Worker tasks."
  type        = number
  default     = 1
}

variable "cors_origins" {
  description = "Browser origins allowed by CORS (CORS_ORIGINS)."
  type        = list(string)
  default     = []
}

variable "email_from" {
  description = "Sender address of outgoing email (EMAIL_FROM)."
  type        = string
}

variable "db_instance_class" {
  description = "RDS instance class of the database and of its read replica."
  type        = string
  default     = "db.t4g.medium"
}

variable "db_allocated_storage_gb" {
  description = "Initial storage of the database in GiB; storage autoscaling grows it up to five times."
  type        = number
  default     = 20
}

variable "db_backup_retention_days" {
  description = "Days of automated backups, and so the point-in-time recovery window (7 to 35)."
  type        = number
  default     = 14

  validation {
    condition     = var.db_backup_retention_days >= 7 && var.db_backup_retention_days <= 35
    error_message = "db_backup_retention_days must be between 7 and 35."
  }
}

variable "db_read_replica" {
  description = "Whether to run a read replica of the database."
  type        = bool
  default     = false
}

variable "db_connections_alarm_threshold" {
  description = "DatabaseConnections above which the connections alarm fires: 80% of max_connections of db_instance_class."
  type        = number
  default     = 360
}

variable "deployment_config_name" {
  description = "CodeDeploy traffic shifting of API releases: a canary (default), linear, or all at once."
  type        = string
  default     = "CodeDeployDefault.ECSCanary10Percent5Minutes"
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps application and VPC flow logs."
  type        = number
  default     = 90
}

variable "alarm_emails" {
  description = "Addresses subscribed to the alarm topic (each confirms by email); connect paging tools to the topic as well."
  type        = list(string)
  default     = []
}
