output "repository_url" {
  description = "Image repository; its host is the registry (ECR_REGISTRY)."
  value       = aws_ecr_repository.app.repository_url
}

output "publish_role_arn" {
  description = "Role CI assumes to push images (AWS_PUBLISH_ROLE_ARN)."
  value       = aws_iam_role.publish.arn
}
