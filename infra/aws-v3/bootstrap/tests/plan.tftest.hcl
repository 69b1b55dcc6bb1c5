# terraform test: a real plan of the bootstrap layer, offline (fake credentials; the one data
# source that would call AWS is overridden). Run by test/terraform-cli.test.ts.

provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "offline"
  secret_key                  = "offline"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}

override_data {
  target = data.aws_caller_identity.current
  values = {
    account_id = "000000000000"
  }
}

run "defaults" {
  command = plan

  assert {
    condition     = aws_s3_bucket.state.bucket == "order-platform-tfstate-000000000000-eu-west-1"
    error_message = "The bucket name defaults to <prefix>-tfstate-<account>-<region>."
  }

  assert {
    condition     = aws_s3_bucket_versioning.state.versioning_configuration[0].status == "Enabled"
    error_message = "State bucket versioning is on."
  }

  assert {
    condition = (
      aws_s3_bucket_public_access_block.state.block_public_acls &&
      aws_s3_bucket_public_access_block.state.block_public_policy &&
      aws_s3_bucket_public_access_block.state.ignore_public_acls &&
      aws_s3_bucket_public_access_block.state.restrict_public_buckets
    )
    error_message = "All four public access blocks are on."
  }

  assert {
    condition     = aws_dynamodb_table.lock.name == "order-platform-tflock" && aws_dynamodb_table.lock.hash_key == "LockID"
    error_message = "The lock table is keyed by LockID."
  }

  assert {
    condition     = aws_dynamodb_table.lock.point_in_time_recovery[0].enabled && aws_dynamodb_table.lock.billing_mode == "PAY_PER_REQUEST"
    error_message = "The lock table is on-demand with point-in-time recovery."
  }

  assert {
    condition     = aws_dynamodb_table.lock.server_side_encryption[0].enabled && aws_dynamodb_table.lock.deletion_protection_enabled
    error_message = "The lock table is encrypted and protected from deletion."
  }
}
