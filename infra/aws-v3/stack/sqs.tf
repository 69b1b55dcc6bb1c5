locals {
  orders_queue_name = "${var.name_prefix}-order-events"

  # Business retries are new delayed messages written through the outbox, so receive counts only
  # grow when the worker cannot handle a message (crash, infrastructure error, poison message).
  orders_redrive_policy = {
    deadLetterTargetArn = aws_sqs_queue.orders_dlq.arn
    maxReceiveCount     = var.sqs_max_receive_count
  }

  orders_dlq_redrive_allow_policy = {
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.orders.arn]
  }
}

resource "aws_sqs_queue" "orders_dlq" {
  name                      = "${local.orders_queue_name}-dlq"
  message_retention_seconds = 1209600 # 14 days: time to inspect and redrive
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "orders" {
  name                       = local.orders_queue_name
  visibility_timeout_seconds = var.sqs_visibility_timeout_seconds
  message_retention_seconds  = 345600 # 4 days
  receive_wait_time_seconds  = 20     # long polling, as the worker does
  delay_seconds              = 0
  max_message_size           = 262144
  sqs_managed_sse_enabled    = true
  redrive_policy             = jsonencode(local.orders_redrive_policy)
}

resource "aws_sqs_queue_redrive_allow_policy" "orders_dlq" {
  queue_url            = aws_sqs_queue.orders_dlq.id
  redrive_allow_policy = jsonencode(local.orders_dlq_redrive_allow_policy)
}

data "aws_iam_policy_document" "queue_tls_only" {
  for_each = {
    orders     = aws_sqs_queue.orders.arn
    orders_dlq = aws_sqs_queue.orders_dlq.arn
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"]
    resources = [each.value]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "orders" {
  queue_url = aws_sqs_queue.orders.id
  policy    = data.aws_iam_policy_document.queue_tls_only["orders"].json
}

resource "aws_sqs_queue_policy" "orders_dlq" {
  queue_url = aws_sqs_queue.orders_dlq.id
  policy    = data.aws_iam_policy_document.queue_tls_only["orders_dlq"].json
}
