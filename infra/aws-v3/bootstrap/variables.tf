variable "aws_region" {
  type        = string
  description = "AWS region of the state bucket and lock table (use the stack's region)."
  default     = "eu-west-1"
}

variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name; the same value as the stack's name_prefix."
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
