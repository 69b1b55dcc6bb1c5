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

variables {
  github_repository = "example-org/order-platform"
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

run "github_roles" {
  command = plan

  assert {
    condition     = local.github_deploy_subject == "repo:example-org/order-platform:ref:refs/heads/main:job_workflow_ref:example-org/order-platform/.github/workflows/deploy.yml@refs/heads/main"
    error_message = "The deploy role trusts deploy.yml of one repository on one branch."
  }

  assert {
    condition     = local.github_infra_plan_subject == "repo:example-org/order-platform:pull_request:job_workflow_ref:example-org/order-platform/.github/workflows/infra.yml@refs/pull/*/merge"
    error_message = "The plan role trusts infra.yml of this repository's pull requests."
  }

  assert {
    condition     = local.github_infra_apply_subject == "repo:example-org/order-platform:environment:infrastructure:job_workflow_ref:example-org/order-platform/.github/workflows/infra.yml@refs/heads/main"
    error_message = "The apply role trusts infra.yml of main in the approval-gated environment only."
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 1
    error_message = "The OIDC provider is created by default."
  }

  assert {
    condition = (
      contains(local.stack_ecs_service_arns, "arn:aws:ecs:eu-west-1:000000000000:service/order-platform/order-platform-api") &&
      contains(local.stack_ecr_repository_arns, "arn:aws:ecr:eu-west-1:000000000000:repository/order-platform/worker") &&
      contains(local.stack_task_role_arns, "arn:aws:iam::000000000000:role/order-platform-ecs-execution")
    )
    error_message = "The deploy role names the stack's services, repositories and task roles."
  }

  assert {
    condition     = aws_iam_role_policy_attachment.github_infra_apply.policy_arn == "arn:aws:iam::aws:policy/AdministratorAccess"
    error_message = "The apply role is administrator-equivalent, guarded by its trust."
  }
}

run "existing_oidc_provider_is_looked_up" {
  command = plan

  variables {
    create_github_oidc_provider = false
  }

  override_data {
    target = data.aws_iam_openid_connect_provider.github[0]
    values = {
      arn = "arn:aws:iam::000000000000:oidc-provider/token.actions.githubusercontent.com"
    }
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 0 && local.github_oidc_provider_arn == "arn:aws:iam::000000000000:oidc-provider/token.actions.githubusercontent.com"
    error_message = "With create_github_oidc_provider = false the existing provider is used."
  }
}

run "repository_must_be_owner_slash_name" {
  command = plan

  variables {
    github_repository = "not a repository"
  }

  expect_failures = [var.github_repository]
}
