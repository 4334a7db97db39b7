# Dedicated databases for tenants moved off the shared database (hybrid tenancy, docs/adr/0001-tenancy.md).
# Each slug gets its own database; the application routes the tenant with config/tenants.json.

variable "dedicated_tenants" {
  description = "Slugs of the tenants that get a dedicated database."
  type        = set(string)
  default     = []
}
