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

output "account_id" {
  description = "Account the state lives in; check it before pointing a stack at this backend."
  value       = data.aws_caller_identity.current.account_id
}
