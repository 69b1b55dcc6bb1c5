output "state_bucket" {
  description = "Name of the S3 bucket that stores Terraform state."
  value       = aws_s3_bucket.state.id
}

output "lock_table" {
  description = "Name of the DynamoDB table that holds Terraform state locks."
  value       = aws_dynamodb_table.lock.name
}

output "region" {
  description = "Region of the state bucket and lock table."
  value       = var.aws_region
}

output "backend_config" {
  description = "Contents for stack/backend.hcl (terraform init -backend-config=backend.hcl)."
  value       = <<-EOT
    bucket         = "${aws_s3_bucket.state.id}"
    key            = "${var.name_prefix}/stack.tfstate"
    region         = "${var.aws_region}"
    dynamodb_table = "${aws_dynamodb_table.lock.name}"
    encrypt        = true
  EOT
}

output "bootstrap_backend_config" {
  description = "Contents for bootstrap/backend.hcl, to move this layer's own state into the bucket (terraform init -migrate-state -backend-config=backend.hcl)."
  value       = <<-EOT
    bucket         = "${aws_s3_bucket.state.id}"
    key            = "${var.name_prefix}/bootstrap.tfstate"
    region         = "${var.aws_region}"
    dynamodb_table = "${aws_dynamodb_table.lock.name}"
    encrypt        = true
  EOT
}

output "deploy_role_arn" {
  description = "Role the Deploy workflow assumes over OIDC (repository variable AWS_DEPLOY_ROLE_ARN)."
  value       = aws_iam_role.github_deploy.arn
}

output "infra_plan_role_arn" {
  description = "Read-only role the Infra workflow's pull-request plans assume (repository variable AWS_INFRA_PLAN_ROLE_ARN)."
  value       = aws_iam_role.github_infra_plan.arn
}

output "infra_apply_role_arn" {
  description = "Role the Infra workflow's apply job assumes in the approval-gated environment (repository variable AWS_INFRA_APPLY_ROLE_ARN)."
  value       = aws_iam_role.github_infra_apply.arn
}

output "github_repository_variables" {
  description = "Repository variables the workflows read (Settings, Secrets and variables, Actions, Variables), besides TFVARS_BOOTSTRAP and TFVARS_STACK."
  value = {
    AWS_DEPLOY_ROLE_ARN      = aws_iam_role.github_deploy.arn
    AWS_INFRA_PLAN_ROLE_ARN  = aws_iam_role.github_infra_plan.arn
    AWS_INFRA_APPLY_ROLE_ARN = aws_iam_role.github_infra_apply.arn
    TF_STATE_BUCKET          = aws_s3_bucket.state.id
    TF_LOCK_TABLE            = aws_dynamodb_table.lock.name
    AWS_REGION               = var.aws_region
    NAME_PREFIX              = var.name_prefix
  }
}

output "github_infra_environment" {
  description = "GitHub Environment to create (with required reviewers, deployment branch the deploy branch) for the Infra workflow's apply job."
  value       = var.github_infra_environment
}

output "account_id" {
  description = "Account the state lives in; check it before pointing a stack at this backend."
  value       = data.aws_caller_identity.current.account_id
}
