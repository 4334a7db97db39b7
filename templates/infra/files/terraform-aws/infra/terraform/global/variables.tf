variable "aws_region" {
  description = "AWS region of the image registry; the environments run in the same region."
  type        = string
}

variable "repository" {
  description = "The CI repository whose main branch may publish images through OIDC (owner/name or group/project)."
  type        = string
}
