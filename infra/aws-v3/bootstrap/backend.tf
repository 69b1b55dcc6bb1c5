terraform {
  # Partial configuration, as the stack's: the first apply runs on local state (a
  # backend_override.tf, README step 1) because this layer creates the bucket; its state then
  # moves into the bucket (terraform init -migrate-state), where the pipeline reads it.
  backend "s3" {}
}
