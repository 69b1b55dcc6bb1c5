data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  # NODE_OPTIONS of both tasks: V8's heap limit at 75 % of the task's memory (floor, MiB). Node's
  # own default does not look at the container's limit, so a heap left to grow would meet the
  # task's hard limit (an OOM kill, exit 137) before a full garbage collection; the other quarter
  # is for what lives outside the heap (code, stacks, buffers, sockets). With the 512 MiB default:
  # --max-old-space-size=384. NODE_OPTIONS adds to the image's CMD (node --enable-source-maps main.mjs).
  node_heap_share     = 0.75
  api_node_options    = "--max-old-space-size=${floor(var.api_memory * local.node_heap_share)}"
  worker_node_options = "--max-old-space-size=${floor(var.worker_memory * local.node_heap_share)}"

  tags = {
    Project     = var.name_prefix
    Environment = var.environment
    ManagedBy   = "terraform"
  }
}
