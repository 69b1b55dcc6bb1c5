/** What the issue asks of each part of the stack, beyond the Checkov/Trivy rules. */
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { evaluateMetricMath } from "./support/metric-math.ts"
import {
  block,
  blocks,
  containersOf,
  containerVariable,
  containerVariables,
  dashboardGraphs,
  dataSource,
  evaluate,
  evaluateNumber,
  forEachInstance,
  infraRoot,
  instancesOfType,
  isArray,
  isObject,
  type Json,
  type JsonObject,
  loadModule,
  local,
  localObject,
  logEventAlarm,
  resource,
  resourcesOfType,
  taskDefinitionOf
} from "./support/terraform.ts"

const stack = await loadModule(join(infraRoot, "stack"))
const bootstrap = await loadModule(join(infraRoot, "bootstrap"))

const statementsOf = (document: string): ReadonlyArray<JsonObject> =>
  blocks(dataSource(stack, "aws_iam_policy_document", document), "statement")
const actionsOf = (document: string): ReadonlyArray<Json> =>
  statementsOf(document).flatMap((statement) => {
    const actions = statement["actions"]
    return isArray(actions) ? actions : []
  })

describe("network", () => {
  it("public and private subnets in az_count (≥ 2) availability zones", () => {
    expect(evaluateNumber(stack, "${var.az_count}")).toBeGreaterThanOrEqual(2)
    expect(resource(stack, "aws_subnet", "public")["count"]).toBe("${var.az_count}")
    expect(resource(stack, "aws_subnet", "private")["count"]).toBe("${var.az_count}")
    expect(resource(stack, "aws_db_subnet_group", "main")["subnet_ids"]).toBe("${aws_subnet.private[*].id}")
    expect(resource(stack, "aws_lb", "main")["subnets"]).toBe("${aws_subnet.public[*].id}")
  })

  it("tasks sit in public subnets with a public IP unless tasks_in_private_subnets adds a NAT gateway", () => {
    expect(stack.variables.get("tasks_in_private_subnets")?.["default"]).toBe(false)
    expect(local(stack, "task_subnet_ids")).toBe(
      "${var.tasks_in_private_subnets ? aws_subnet.private[*].id : aws_subnet.public[*].id}"
    )
    expect(local(stack, "task_assign_public_ip")).toBe("${!var.tasks_in_private_subnets}")
    for (const name of ["nat"]) {
      expect(resource(stack, "aws_eip", name)["count"]).toBe("${var.tasks_in_private_subnets ? 1 : 0}")
    }
    expect(resource(stack, "aws_nat_gateway", "main")["count"]).toBe("${var.tasks_in_private_subnets ? 1 : 0}")
    for (const service of ["api", "worker"]) {
      const network = block(resource(stack, "aws_ecs_service", service), "network_configuration")
      expect(network["subnets"]).toBe("${local.task_subnet_ids}")
      expect(network["assign_public_ip"]).toBe("${local.task_assign_public_ip}")
    }
  })
})

describe("ECS services and task definitions", () => {
  it.each(["api", "worker"])("%s: image from its ECR repository, tagged by var.image_tag", (program) => {
    const [container] = containersOf(stack, program)
    expect(container?.["image"]).toBe(`\${aws_ecr_repository.program["${program}"].repository_url}:\${var.image_tag}`)
    expect(stack.variables.get("image_tag")).not.toHaveProperty("default")
  })

  // The plan test (tests/plan.tftest.hcl) checks the group and prefix each program's entry gets.
  it.each(["api", "worker"])("%s: init process enabled, awslogs to its own log group", (program) => {
    const [container] = containersOf(stack, program)
    expect(container?.["linuxParameters"]).toEqual({ initProcessEnabled: true })
    expect(container?.["logConfiguration"]).toBe(`\${local.program_log_configuration["${program}"]}`)
  })

  it.each(["api", "worker"])(
    "%s: logs in as the application role with an IAM token per connection; no database password anywhere",
    (program) => {
      const [container] = containersOf(stack, program)
      if (container === undefined) throw new Error("no container")
      expect(containerVariable(container, "PGUSER")).toEqual({
        name: "PGUSER",
        value: "${var.db_app_username}",
        secret: false
      })
      expect(containerVariable(container, "DATABASE_AUTH")).toEqual({
        name: "DATABASE_AUTH",
        value: "iam",
        secret: false
      })
      expect(containerVariable(container, "DATABASE_SSL")).toEqual({
        name: "DATABASE_SSL",
        value: "true",
        secret: false
      })
      expect(() => containerVariable(container, "PGPASSWORD")).toThrow(/does not set PGPASSWORD/)
      expect(containerVariables(container).filter((variable) => /PASSWORD|DATABASE_URL/.test(variable.name))).toEqual(
        []
      )
      expect(resource(stack, "aws_db_instance", "main")["iam_database_authentication_enabled"]).toBe(true)
    }
  )

  it("the application role is not the master user, and only the db-bootstrap task reads the master secret", () => {
    expect(stack.variables.get("db_app_username")).toMatchObject({ default: "orders_app" })
    expect(stack.variables.get("db_username")).toMatchObject({ default: "orders_admin" })
    const bootstrap = statementsOf("db_bootstrap_execution").find((statement) =>
      statement["sid"] === "ReadMasterSecret"
    )
    expect(bootstrap?.["resources"]).toEqual(["${aws_db_instance.main.master_user_secret[0].secret_arn}"])
    expect(JSON.stringify(local(stack, "db_bootstrap_container"))).toContain(
      "order_platform.app_role=${var.db_app_username}"
    )
  })

  it.each(["api", "worker"])("%s: the service starts only after the application role exists", (program) => {
    expect(resource(stack, "aws_ecs_service", program)["depends_on"]).toContain("${terraform_data.db_app_role}")
  })

  it("API: ADMIN_TOKEN is injected from the Secrets Manager secret Terraform created", () => {
    const [container] = containersOf(stack, "api")
    if (container === undefined) throw new Error("no container")
    expect(containerVariable(container, "ADMIN_TOKEN")).toEqual({
      name: "ADMIN_TOKEN",
      value: "${aws_secretsmanager_secret.admin_token.arn}",
      secret: true
    })
    const version = resource(stack, "aws_secretsmanager_secret_version", "admin_token")
    expect(version).not.toHaveProperty("secret_string")
    expect(version["secret_string_wo"]).toMatch(/ephemeral\.aws_secretsmanager_random_password\.admin_token/)
  })

  it("the programs' execution role may read exactly the one injected secret (not the database master's)", () => {
    const read = statementsOf("execution").find((statement) => statement["sid"] === "ReadTaskSecrets")
    expect(read?.["resources"]).toEqual(["${aws_secretsmanager_secret.admin_token.arn}"])
  })

  it("API is registered with the target group on its container port", () => {
    const balancer = block(resource(stack, "aws_ecs_service", "api"), "load_balancer")
    expect(balancer).toEqual({
      target_group_arn: "${aws_lb_target_group.api.arn}",
      container_name: "${local.api_container_name}",
      container_port: "${var.api_container_port}"
    })
    const [container] = containersOf(stack, "api")
    expect(container?.["name"]).toBe("${local.api_container_name}")
  })

  const ignored = (service: string): Json | undefined =>
    block(resource(stack, "aws_ecs_service", service), "lifecycle")["ignore_changes"]

  it.each(["api", "worker"])(
    "%s: Terraform leaves rollouts to the pipeline (ignore_changes task_definition)",
    (service) => {
      expect(ignored(service)).toContain("${task_definition}")
    }
  )

  it.each(["api", "worker"])(
    "%s: Terraform never deregisters an old revision (skip_destroy), so a roll-back to it keeps working",
    (program) => {
      expect(taskDefinitionOf(stack, program)["skip_destroy"]).toBe(true)
    }
  )

  it("worker: the desired count belongs to autoscaling", () => {
    expect(ignored("worker")).toContain("${desired_count}")
  })
})

describe("SQS", () => {
  const main = resource(stack, "aws_sqs_queue", "orders")
  const dlq = resource(stack, "aws_sqs_queue", "orders_dlq")

  it("main queue: <prefix>-order-events, retention 4 days, long polling", () => {
    expect(local(stack, "orders_queue_name")).toBe("${var.name_prefix}-order-events")
    expect(main["message_retention_seconds"]).toBe(4 * 24 * 3600)
    expect(main["receive_wait_time_seconds"]).toBe(20)
  })

  it("DLQ: retention 14 days, redrive allowed only from the main queue", () => {
    expect(dlq["name"]).toBe("${local.orders_queue_name}-dlq")
    expect(dlq["message_retention_seconds"]).toBe(14 * 24 * 3600)
    expect(localObject(stack, "orders_dlq_redrive_allow_policy")).toEqual({
      redrivePermission: "byQueue",
      sourceQueueArns: ["${aws_sqs_queue.orders.arn}"]
    })
  })

  it("redrive policy: to the DLQ after var.sqs_max_receive_count receives (default 5)", () => {
    expect(main["redrive_policy"]).toBe("${jsonencode(local.orders_redrive_policy)}")
    expect(localObject(stack, "orders_redrive_policy")).toEqual({
      deadLetterTargetArn: "${aws_sqs_queue.orders_dlq.arn}",
      maxReceiveCount: "${var.sqs_max_receive_count}"
    })
    expect(stack.variables.get("sqs_max_receive_count")?.["default"]).toBe(5)
  })
})

describe("IAM", () => {
  it("API task role: sqs:SendMessage on the main queue, rds-db:connect as the application role only", () => {
    expect(statementsOf("api_task").map((statement) => [statement["actions"], statement["resources"]])).toEqual([
      [["sqs:SendMessage"], ["${aws_sqs_queue.orders.arn}"]],
      [["rds-db:connect"], ["${local.db_app_user_arn}"]]
    ])
  })

  it("rds-db:connect names this instance's resource id and the application role, nothing wider", () => {
    expect(local(stack, "db_app_user_arn")).toBe(
      "arn:${local.partition}:rds-db:${var.aws_region}:${local.account_id}:dbuser:${aws_db_instance.main.resource_id}/${var.db_app_username}"
    )
  })

  it("worker task role: consume (+ send, for its relay) on the main queue only, and connect as the application role", () => {
    expect([...actionsOf("worker_task")].sort()).toEqual([
      "rds-db:connect",
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:ReceiveMessage",
      "sqs:SendMessage"
    ])
    for (const statement of statementsOf("worker_task")) {
      expect(statement["resources"]).toEqual([
        statement["sid"] === "ConnectAsAppRole" ? "${local.db_app_user_arn}" : "${aws_sqs_queue.orders.arn}"
      ])
    }
    expect(statementsOf("worker_task").find((statement) => statement["sid"] === "ConnectAsAppRole")?.["actions"])
      .toEqual(["rds-db:connect"])
  })

  it("deploy role (bootstrap): these ECR repositories, these services, RegisterTaskDefinition, PassRole on three roles", () => {
    const bySid = new Map(
      blocks(dataSource(bootstrap, "aws_iam_policy_document", "github_deploy"), "statement").map((statement) => [
        String(statement["sid"]),
        statement
      ])
    )
    expect(bySid.get("PushImages")?.["resources"]).toBe("${local.stack_ecr_repository_arns}")
    expect(bySid.get("RollOutServices")?.["resources"]).toBe("${local.stack_ecs_service_arns}")
    expect(bySid.get("TaskDefinitions")?.["actions"]).toContain("ecs:RegisterTaskDefinition")
    const pass = bySid.get("PassTaskRoles")
    expect(pass?.["actions"]).toEqual(["iam:PassRole"])
    expect(pass?.["resources"]).toBe("${local.stack_task_role_arns}")
    expect(pass === undefined ? undefined : block(pass, "condition")).toEqual({
      test: "StringEquals",
      variable: "iam:PassedToService",
      values: ["ecs-tasks.amazonaws.com"]
    })
  })

  it("the GitHub OIDC provider (bootstrap) is created, or looked up when the account has one", () => {
    expect(resource(bootstrap, "aws_iam_openid_connect_provider", "github")["count"]).toBe(
      "${var.create_github_oidc_provider ? 1 : 0}"
    )
    expect(dataSource(bootstrap, "aws_iam_openid_connect_provider", "github")["count"]).toBe(
      "${var.create_github_oidc_provider ? 0 : 1}"
    )
    expect(resource(bootstrap, "aws_iam_openid_connect_provider", "github")["client_id_list"]).toEqual([
      "sts.amazonaws.com"
    ])
  })

  it("a stack from before the move forgets the OIDC provider and deploy role without destroying them", () => {
    const removed = stack.files.flatMap((file) => blocks(file.json, "removed"))
    expect(removed.map((body) => [body["from"], block(body, "lifecycle")["destroy"]])).toEqual([
      ["${aws_iam_openid_connect_provider.github}", false],
      ["${aws_iam_role.github_deploy}", false],
      ["${aws_iam_role_policy.github_deploy}", false]
    ])
    expect(resourcesOfType(stack, "aws_iam_openid_connect_provider").size).toBe(0)
  })
})

describe("logs and metric filters", () => {
  it("one log group per service", () => {
    expect(resource(stack, "aws_cloudwatch_log_group", "api")["name"]).toBe("/ecs/${var.name_prefix}/api")
    expect(resource(stack, "aws_cloudwatch_log_group", "worker")["name"]).toBe("/ecs/${var.name_prefix}/worker")
  })

  it("ApiErrorCount (ERROR and FATAL) on the API log group, WorkerFailedCount on the worker's", () => {
    const api = logEventAlarm(stack, "api-logged-errors")
    const worker = logEventAlarm(stack, "business-retries-exhausted")
    expect(api["log_group"]).toBe("${aws_cloudwatch_log_group.api.name}")
    expect(worker["log_group"]).toBe("${aws_cloudwatch_log_group.worker.name}")
    expect([api["filter"], api["metric"]]).toEqual(["api-errors", "ApiErrorCount"])
    expect([worker["filter"], worker["metric"]]).toEqual(["worker-failed", "WorkerFailedCount"])
    expect(evaluate(stack, api["pattern"] ?? null)).toBe("{ ($.level = \"ERROR\") || ($.level = \"FATAL\") }")
    expect(evaluate(stack, worker["pattern"] ?? null)).toBe("{ $.event = \"order.failed\" }")
  })

  it("one metric filter per log event, counting each matching line in the programs' namespace", () => {
    const filter = resource(stack, "aws_cloudwatch_log_metric_filter", "log_event")
    expect(filter["for_each"]).toBe("${local.log_event_alarms}")
    expect([filter["name"], filter["log_group_name"], filter["pattern"]]).toEqual([
      "${var.name_prefix}-${each.value.filter}",
      "${each.value.log_group}",
      "${each.value.pattern}"
    ])
    expect(block(filter, "metric_transformation")).toEqual({
      name: "${each.value.metric}",
      namespace: "${var.metrics_namespace}",
      value: "1",
      default_value: "0",
      unit: "Count"
    })
  })
})

describe("alarms: every row of the failure matrix notifies the alarm topic", () => {
  const alarms = resourcesOfType(stack, "aws_cloudwatch_metric_alarm")
  const instances = instancesOfType(stack, "aws_cloudwatch_metric_alarm")
  const metricAlarm = (key: string) => instances.get(`metric["${key}"]`)
  const matrix: ReadonlyArray<readonly [string, string, string, string]> = [
    ["worker stuck (oldest message age)", "worker-stuck-oldest-message", "AWS/SQS", "ApproximateAgeOfOldestMessage"],
    ["worker stuck (sustained backlog)", "worker-stuck-backlog", "AWS/SQS", "ApproximateNumberOfMessagesVisible"],
    [
      "relay stuck (oldest due outbox row)",
      "relay-stuck-outbox-age",
      "${var.metrics_namespace}",
      "outbox_oldest_age_seconds"
    ],
    ["worker crash (no running task)", "worker-not-running", "ECS/ContainerInsights", "RunningTaskCount"],
    ["DLQ growth", "sqs-dlq-not-empty", "AWS/SQS", "ApproximateNumberOfMessagesVisible"],
    ["API broken deploy (ELB 5xx)", "api-elb-5xx", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count"],
    ["API broken deploy (target 5xx)", "api-target-5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count"],
    ["API broken deploy (no healthy target)", "api-no-healthy-targets", "AWS/ApplicationELB", "HealthyHostCount"],
    ["slow API (p95)", "api-slow-p95", "AWS/ApplicationELB", "TargetResponseTime"],
    ["DB overload (CPU)", "db-cpu-high", "AWS/RDS", "CPUUtilization"],
    ["DB overload (connections)", "db-connections-high", "AWS/RDS", "DatabaseConnections"],
    ["disk exhaustion", "db-free-storage-low", "AWS/RDS", "FreeStorageSpace"]
  ]

  it.each(matrix)("%s", (_, name, namespace, metric) => {
    const alarm = metricAlarm(name)
    expect(alarm, name).toBeDefined()
    expect(alarm?.["namespace"]).toBe(namespace)
    expect(alarm?.["metric_name"]).toBe(metric)
    expect(alarm?.["alarm_actions"]).toEqual(["${aws_sns_topic.alarms.arn}"])
  })

  const logEventMatrix: ReadonlyArray<readonly [string, string, string]> = [
    ["business retry exhaustion", "business-retries-exhausted", "WorkerFailedCount"],
    ["poison message", "worker-poison-message", "PoisonMessageCount"],
    ["worker delivery crashed", "worker-delivery-crashed", "DeliveryCrashedCount"],
    ["worker cannot start", "worker-start-failed", "WorkerStartFailedCount"],
    ["API errors", "api-logged-errors", "ApiErrorCount"]
  ]

  it.each(logEventMatrix)("%s (a log event)", (_, key, metric) => {
    expect(logEventAlarm(stack, key)["metric"]).toBe(metric)
  })

  it("each log event alarms on its own filter's metric, in the programs' namespace", () => {
    const alarm = alarms.get("log_event")
    expect(alarm?.["for_each"]).toBe("${local.log_event_alarms}")
    expect(alarm?.["alarm_name"]).toBe("${var.name_prefix}-${each.key}")
    expect(alarm?.["namespace"]).toBe("${var.metrics_namespace}")
    expect(alarm?.["metric_name"]).toBe(
      "${aws_cloudwatch_log_metric_filter.log_event[each.key].metric_transformation[0].name}"
    )
    expect(alarm?.["alarm_actions"]).toEqual(["${aws_sns_topic.alarms.arn}"])
  })

  it("DLQ growth alarms on any visible message of the DLQ", () => {
    const alarm = metricAlarm("sqs-dlq-not-empty")
    expect(alarm?.["dimensions"]).toEqual({ QueueName: "${aws_sqs_queue.orders_dlq.name}" })
    expect([alarm?.["comparison_operator"], alarm?.["threshold"]]).toEqual(["GreaterThanThreshold", 0])
  })

  it("slow API uses the p95 of the target response time (an extended statistic: tests/plan.tftest.hcl)", () => {
    expect(localObject(stack, "metric_alarms")["api-slow-p95"]).toMatchObject({ statistic: "p95" })
  })

  it("every alarm not driving autoscaling notifies the topic", () => {
    const scaling = new Set(["worker_scaling"])
    for (const [name, alarm] of alarms) {
      if (scaling.has(name)) continue
      expect(alarm["alarm_actions"], name).toEqual(["${aws_sns_topic.alarms.arn}"])
    }
  })

  it("the topic has an e-mail subscription when alarm_email is set", () => {
    const subscription = resource(stack, "aws_sns_topic_subscription", "alarm_email")
    expect(subscription["count"]).toBe("${var.alarm_email != \"\" ? 1 : 0}")
    expect(subscription["protocol"]).toBe("email")
  })
})

describe("EventBridge", () => {
  const rule = (key: string) => forEachInstance(stack, "aws_cloudwatch_event_rule", "ecs_alarm", key)
  const target = (key: string) => forEachInstance(stack, "aws_cloudwatch_event_target", "ecs_alarm", key)

  it("each rule is the stack's, with a target of its own", () => {
    for (const key of ["ecs-task-crashed", "ecs-deployment-failed", "ecs-service-action"]) {
      expect(rule(key)["name"]).toBe(`\${var.name_prefix}-${key}`)
    }
    expect(resource(stack, "aws_cloudwatch_event_target", "ecs_alarm")["for_each"]).toBe("${local.ecs_alarm_events}")
    expect(resource(stack, "aws_cloudwatch_event_target", "ecs_alarm")["rule"]).toBe(
      "${aws_cloudwatch_event_rule.ecs_alarm[each.key].name}"
    )
  })

  it("worker crash: ECS tasks that stop without the scheduler asking go to the alarm topic", () => {
    expect(rule("ecs-task-crashed")["event_pattern"]).toBe(
      "${jsonencode(local.ecs_task_crashed_pattern)}"
    )
    const pattern = localObject(stack, "ecs_task_crashed_pattern")
    expect(pattern["detail-type"]).toEqual(["ECS Task State Change"])
    const detail = pattern["detail"]
    expect(isObject(detail) ? [detail["lastStatus"], detail["stopCode"], detail["group"]] : undefined).toEqual([
      ["STOPPED"],
      ["EssentialContainerExited", "TaskFailedToStart"],
      ["service:${aws_ecs_service.worker.name}", "service:${aws_ecs_service.api.name}"]
    ])
    expect(target("ecs-task-crashed")["arn"]).toBe(
      "${aws_sns_topic.alarms.arn}"
    )
  })

  it("ECS deployment failures go to the alarm topic", () => {
    const pattern = localObject(stack, "ecs_deployment_failed_pattern")
    expect(pattern["detail-type"]).toEqual(["ECS Deployment State Change"])
    expect(pattern["detail"]).toEqual({ eventName: ["SERVICE_DEPLOYMENT_FAILED"] })
    expect(target("ecs-deployment-failed")["arn"]).toBe(
      "${aws_sns_topic.alarms.arn}"
    )
  })

  it("service instability: ECS Service Action events at WARN or ERROR of both services go to the alarm topic", () => {
    expect(rule("ecs-service-action")["event_pattern"]).toBe(
      "${jsonencode(local.ecs_service_action_pattern)}"
    )
    expect(localObject(stack, "ecs_service_action_pattern")).toEqual({
      source: ["aws.ecs"],
      "detail-type": ["ECS Service Action"],
      resources: ["${aws_ecs_service.api.id}", "${aws_ecs_service.worker.id}"],
      detail: { eventType: ["WARN", "ERROR"] }
    })
    expect(target("ecs-service-action")["arn"]).toBe("${aws_sns_topic.alarms.arn}")
    expect(block(target("ecs-service-action"), "input_transformer")["input_paths"]).toEqual({
      service: "$.resources[0]",
      eventType: "$.detail.eventType",
      eventName: "$.detail.eventName"
    })
  })

  it("the topic lets CloudWatch and EventBridge publish", () => {
    const principals = blocks(dataSource(stack, "aws_iam_policy_document", "alarms_topic"), "statement").map(
      (statement) => block(statement, "principals")["identifiers"]
    )
    expect(principals).toEqual([["cloudwatch.amazonaws.com"], ["events.amazonaws.com"]])
  })
})

describe("dashboard", () => {
  const namespaces = (): ReadonlySet<string> => {
    const found = new Set<string>()
    for (const graph of dashboardGraphs(stack)) {
      const metrics = graph["metrics"]
      for (const metric of isArray(metrics) ? metrics : []) {
        if (isArray(metric) && typeof metric[0] === "string") found.add(`${metric[0]} ${String(metric[1])}`)
      }
    }
    return found
  }

  it("shows ALB, SQS, RDS, ECS and the application metrics", () => {
    expect(resource(stack, "aws_cloudwatch_dashboard", "main")["dashboard_body"]).toBe("${jsonencode(local.dashboard)}")
    expect([...namespaces()]).toEqual(
      expect.arrayContaining([
        "AWS/ApplicationELB RequestCount",
        "AWS/ApplicationELB HTTPCode_ELB_5XX_Count",
        "AWS/ApplicationELB TargetResponseTime",
        "AWS/SQS ApproximateNumberOfMessagesVisible",
        "AWS/SQS ApproximateAgeOfOldestMessage",
        "AWS/RDS CPUUtilization",
        "AWS/RDS DatabaseConnections",
        "AWS/RDS FreeStorageSpace",
        "ECS/ContainerInsights RunningTaskCount",
        "${var.metrics_namespace} ApiErrorCount",
        "${var.metrics_namespace} WorkerFailedCount",
        "${var.metrics_namespace} PoisonMessageCount",
        "${var.metrics_namespace} DeliveryCrashedCount",
        "${var.metrics_namespace} WorkerStartFailedCount"
      ])
    )
  })
})

describe("worker autoscaling", () => {
  const target = resource(stack, "aws_appautoscaling_target", "worker")
  const scaleOut = forEachInstance(stack, "aws_cloudwatch_metric_alarm", "worker_scaling", "scale-out")
  const scaleIn = forEachInstance(stack, "aws_cloudwatch_metric_alarm", "worker_scaling", "scale-in")
  const outThreshold = evaluateNumber(stack, "${local.worker_scale_out_backlog_per_task}")
  const inThreshold = evaluateNumber(stack, "${local.worker_scale_in_backlog_per_task}")

  /** The alarm's metric math, evaluated for one minute's datapoints. */
  const alarmValue = (alarm: JsonObject, values: Readonly<Record<string, number | undefined>>) => {
    const queries = blocks(alarm, "metric_query")
    const expressionsById = Object.fromEntries(
      queries.filter((query) => query["expression"] !== undefined).map((query) => [
        String(query["id"]),
        String(evaluate(stack, query["expression"] ?? null))
      ])
    )
    const returned = queries.filter((query) => query["return_data"] === true)
    expect(returned.map((query) => query["id"])).toEqual(["backlog_per_task"])
    return evaluateMetricMath(expressionsById["backlog_per_task"] ?? "", values, expressionsById)
  }

  it("the alarms are the stack's worker-scale-out and worker-scale-in", () => {
    expect([scaleOut["alarm_name"], scaleIn["alarm_name"]]).toEqual([
      "${var.name_prefix}-worker-scale-out",
      "${var.name_prefix}-worker-scale-in"
    ])
  })

  it("between 1 and 5 tasks", () => {
    expect(evaluateNumber(stack, target["min_capacity"])).toBe(1)
    expect(evaluateNumber(stack, target["max_capacity"])).toBe(5)
    expect(target["resource_id"]).toBe("service/${aws_ecs_cluster.main.name}/${aws_ecs_service.worker.name}")
  })

  it.each([["scale-out", scaleOut], ["scale-in", scaleIn]] as const)(
    "%s alarm: metric math, visible messages ÷ running worker tasks (Container Insights)",
    (_, alarm) => {
      expect(alarm).not.toHaveProperty("metric_name")
      const metrics = blocks(alarm, "metric_query").filter((query) => query["metric"] !== undefined).map((query) => {
        const metric = block(query, "metric")
        return [query["id"], metric["namespace"], metric["metric_name"], metric["dimensions"]]
      })
      expect(metrics).toEqual([
        ["visible", "AWS/SQS", "ApproximateNumberOfMessagesVisible", { QueueName: "${aws_sqs_queue.orders.name}" }],
        ["running", "ECS/ContainerInsights", "RunningTaskCount", {
          ClusterName: "${aws_ecs_cluster.main.name}",
          ServiceName: "${aws_ecs_service.worker.name}"
        }]
      ])
      expect(alarmValue(alarm, { visible: 9000, running: 3 })).toBe(3000)
      // No running task (all crashed), or no datapoint from Container Insights: one task's worth.
      expect(alarmValue(alarm, { visible: 900, running: 0 })).toBe(900)
      expect(alarmValue(alarm, { visible: 900, running: undefined })).toBe(900)
      expect(alarmValue(alarm, { visible: undefined, running: 2 })).toBe(0)
    }
  )

  it("thresholds are seconds of backlog at the planning drain rate: 60 s → 3000, 10 s → 500 messages per task", () => {
    expect(evaluateNumber(stack, "${var.worker_drain_rate_per_task}")).toBe(50)
    expect([outThreshold, inThreshold]).toEqual([3000, 500])
    expect(evaluateNumber(stack, scaleOut["threshold"])).toBe(outThreshold)
    expect(evaluateNumber(stack, scaleIn["threshold"])).toBe(inThreshold)
    // Scaling in from n ≥ 2 tasks multiplies the backlog per task by n / (n − 1) ≤ 2.
    expect(inThreshold * 2).toBeLessThan(outThreshold)
  })

  it("scale-out answers in proportion: +50 %, +100 %, +200 % of the tasks, at least one", () => {
    const configuration = block(
      resource(stack, "aws_appautoscaling_policy", "worker_scale_out"),
      "step_scaling_policy_configuration"
    )
    const steps = blocks(configuration, "step_adjustment").map((step) => ({
      lower: evaluateNumber(stack, step["metric_interval_lower_bound"]),
      upper: step["metric_interval_upper_bound"] === undefined
        ? Infinity
        : evaluateNumber(stack, step["metric_interval_upper_bound"]),
      adjustment: evaluateNumber(stack, step["scaling_adjustment"])
    }))
    // Bounds are relative to the threshold: [1×, 2×), [2×, 4×), 4× and more.
    expect(steps).toEqual([
      { lower: 0, upper: outThreshold, adjustment: 50 },
      { lower: outThreshold, upper: 3 * outThreshold, adjustment: 100 },
      { lower: 3 * outThreshold, upper: Infinity, adjustment: 200 }
    ])
    expect(configuration["adjustment_type"]).toBe("PercentChangeInCapacity")
    expect(configuration["min_adjustment_magnitude"]).toBe(1)
    expect(scaleOut["alarm_actions"]).toEqual(["${aws_appautoscaling_policy.worker_scale_out.arn}"])
    expect([scaleOut["comparison_operator"], scaleOut["treat_missing_data"]]).toEqual([
      "GreaterThanOrEqualToThreshold",
      "notBreaching"
    ])
  })

  it("scale-in removes one task after 15 minutes at or below the threshold, which a steady trickle reaches", () => {
    const configuration = block(
      resource(stack, "aws_appautoscaling_policy", "worker_scale_in"),
      "step_scaling_policy_configuration"
    )
    expect(blocks(configuration, "step_adjustment")).toEqual([{
      metric_interval_upper_bound: 0,
      scaling_adjustment: -1
    }])
    expect(scaleIn["alarm_actions"]).toEqual(["${aws_appautoscaling_policy.worker_scale_in.arn}"])
    expect(evaluateNumber(stack, scaleIn["evaluation_periods"])).toBe(15)
    expect(evaluateNumber(stack, scaleIn["datapoints_to_alarm"])).toBe(15)
    expect(scaleIn["comparison_operator"]).toBe("LessThanOrEqualToThreshold")
    // 30 orders/s on 3 tasks: some messages are always visible and in flight, so the old rule
    // (visible + in flight == 0) never fired; per task it is far below the threshold.
    const trickle = alarmValue(scaleIn, { visible: 40, running: 3 }) ?? Infinity
    expect(trickle).toBeGreaterThan(0)
    expect(trickle).toBeLessThanOrEqual(inThreshold)
    // Idle: SQS stops reporting an idle queue; that counts as nothing to do.
    expect(scaleIn["treat_missing_data"]).toBe("breaching")
  })
})

describe("ECR", () => {
  it("one repository per program, each with a lifecycle policy", () => {
    expect(local(stack, "programs")).toBe("${toset([\"api\", \"worker\"])}")
    expect(resource(stack, "aws_ecr_repository", "program")["for_each"]).toBe("${local.programs}")
    expect(resource(stack, "aws_ecr_lifecycle_policy", "program")["for_each"]).toBe("${local.programs}")
    const rules = localObject(stack, "ecr_lifecycle_policy")["rules"]
    expect(isArray(rules) ? rules.length : 0).toBe(2)
  })
})

describe("outputs", () => {
  it.each(["alb_url", "sqs_queue_url", "sqs_dlq_url", "ecr_repository_urls"])("%s", (name) => {
    expect(stack.outputs.has(name)).toBe(true)
  })

  it("bootstrap outputs the roles and every repository variable the workflows read", () => {
    for (const name of ["deploy_role_arn", "infra_plan_role_arn", "infra_apply_role_arn", "github_infra_environment"]) {
      expect(bootstrap.outputs.has(name), name).toBe(true)
    }
    const variables = bootstrap.outputs.get("github_repository_variables")?.["value"]
    expect(isObject(variables) ? Object.keys(variables).sort() : []).toEqual([
      "AWS_DEPLOY_ROLE_ARN",
      "AWS_INFRA_APPLY_ROLE_ARN",
      "AWS_INFRA_PLAN_ROLE_ARN",
      "AWS_REGION",
      "NAME_PREFIX",
      "TF_LOCK_TABLE",
      "TF_STATE_BUCKET"
    ])
  })

  it("bootstrap outputs what the stack's backend needs", () => {
    for (const name of ["state_bucket", "lock_table", "region", "backend_config"]) {
      expect(bootstrap.outputs.has(name), name).toBe(true)
    }
  })
})
