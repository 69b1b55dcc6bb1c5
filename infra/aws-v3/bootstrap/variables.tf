variable "aws_region" {
  type        = string
  description = "AWS region of the state bucket, the lock table and the stack (the deploy role names the stack's resources in it)."
  default     = "eu-west-1"
}

variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name; the same value as the stack's name_prefix (the deploy role names the stack's resources by it)."
  default     = "order-platform"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-22 characters of lower-case letters, digits and hyphens."
  }
}

variable "state_bucket_name" {
  type        = string
  description = "Globally unique name of the state bucket; empty means <name_prefix>-tfstate-<account id>-<region>."
  default     = ""
}

variable "lock_table_name" {
  type        = string
  description = "Name of the DynamoDB table that holds Terraform state locks; empty means <name_prefix>-tflock."
  default     = ""
}

variable "noncurrent_version_retention_days" {
  type        = number
  description = "Days an overwritten state version is kept before it expires (recovery window for a bad apply)."
  default     = 90

  validation {
    condition     = var.noncurrent_version_retention_days >= 30
    error_message = "Keep old state versions for at least 30 days."
  }
}

# ---------------------------------------------------------------------------------------------
# GitHub Actions (github-oidc.tf, pipeline-roles.tf)
# ---------------------------------------------------------------------------------------------

variable "github_repository" {
  type        = string
  description = "GitHub repository (owner/name) whose workflows may assume the deploy, plan and apply roles."

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must look like owner/name."
  }
}

variable "github_branch" {
  type        = string
  description = "The only branch whose workflow runs may deploy, and whose infra.yml may apply."
  default     = "main"
}

variable "github_infra_environment" {
  type        = string
  description = "GitHub Environment (with required reviewers) the Infra workflow's apply job runs in; the apply role trusts only it."
  default     = "infrastructure"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+$", var.github_infra_environment))
    error_message = "github_infra_environment must be a plain environment name (letters, digits, . _ -)."
  }
}

variable "create_github_oidc_provider" {
  type        = bool
  description = "Create the account's GitHub Actions OIDC provider (false when the account already has one: it is then looked up)."
  default     = true
}
