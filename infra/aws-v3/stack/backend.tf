terraform {
  # Partial configuration: bucket, key, region and lock table come from backend.hcl, written
  # from the bootstrap layer's backend_config output (see backend.hcl.example and the README).
  backend "s3" {}
}
