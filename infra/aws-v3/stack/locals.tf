data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  # NODE_OPTIONS of both tasks: V8's heap at 75 % of the task's memory (floor, MiB). Node's own
  # default does not look at the container's limit, so a heap left to grow would meet the task's
  # hard limit (an OOM kill, exit 137) before a full garbage collection; the other quarter is for
  # what lives outside the heap (code, stacks, buffers, sockets). With the 512 MiB default the
  # worker gets --max-old-space-size=384.
  # The API's young generation has 16 MiB semi-spaces (its image's CMD sets the same): a burst of
  # requests then dies young instead of being promoted, which keeps the API's RSS after an ingest
  # run 50-100 MiB lower (README, Performance). V8 reserves three semi-spaces' worth for the
  # young generation (two semi-spaces and the young large-object space), taken from the API's
  # share: --max-old-space-size=336 at 512 MiB. NODE_OPTIONS adds to the image's CMD.
  # With tracing_enabled the collector sidecar's reservation (tracing.tf) comes off the task first.
  node_heap_share     = 0.75
  api_semi_space_mib  = 16
  api_node_options    = "--max-old-space-size=${floor((var.api_memory - local.otel_memory_share) * local.node_heap_share) - 3 * local.api_semi_space_mib} --max-semi-space-size=${local.api_semi_space_mib}"
  worker_node_options = "--max-old-space-size=${floor((var.worker_memory - local.otel_memory_share) * local.node_heap_share)}"

  tags = {
    Project     = var.name_prefix
    Environment = var.environment
    ManagedBy   = "terraform"
  }
}
