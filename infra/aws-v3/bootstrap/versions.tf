terraform {
  required_version = ">= 1.11.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # The bootstrap layer keeps its own (tiny) state locally: it creates the bucket that every
  # other state lives in. See ../README.md for how to move it into that bucket afterwards.
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = {
      Project   = var.name_prefix
      Layer     = "bootstrap"
      ManagedBy = "terraform"
    }
  }
}
