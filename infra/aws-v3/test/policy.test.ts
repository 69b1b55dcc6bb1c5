/**
 * A policy table mirroring Checkov / Trivy rules, one named test per rule, on the parsed HCL.
 * A rule the configuration deliberately does not meet is a named waiver with its reason (bottom
 * of this file, also listed in the README); a waiver must name a resource that exists.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import {
  bareExpression,
  block,
  blocks,
  containersOf,
  dataSource,
  evaluate,
  forEachInstance,
  infraRoot,
  instancesOfType,
  isArray,
  type Json,
  type JsonObject,
  loadModule,
  localObject,
  resource,
  resourcesOfType,
  taskDefinitionOf,
  type TfModule
} from "./support/terraform.ts"

const stack = await loadModule(join(infraRoot, "stack"))
const bootstrap = await loadModule(join(infraRoot, "bootstrap"))
const both: ReadonlyArray<TfModule> = [bootstrap, stack]

const list = (
  value: Json | undefined
): ReadonlyArray<Json> => (value === undefined ? [] : isArray(value) ? value : [value])

interface Statement {
  readonly where: string
  readonly effect: string
  readonly actions: ReadonlyArray<Json>
  readonly resources: ReadonlyArray<Json>
}

const statements = (): ReadonlyArray<Statement> =>
  both.flatMap((mod) =>
    [...(mod.data.get("aws_iam_policy_document") ?? new Map<string, JsonObject>())].flatMap(([name, document]) =>
      blocks(document, "statement").map((statement) => ({
        where: `data.aws_iam_policy_document.${name} ${String(statement["sid"] ?? "")}`,
        effect: String(statement["effect"] ?? "Allow"),
        actions: list(statement["actions"]),
        resources: list(statement["resources"])
      }))
    )
  )

/** Actions AWS authorises only on `*` (no resource-level permissions). */
const starResourceActions: Readonly<Record<string, string>> = {
  "ecr:GetAuthorizationToken": "the registry token is account-wide",
  "ecs:RegisterTaskDefinition": "takes no resource-level permission",
  "ecs:DescribeTaskDefinition": "takes no resource-level permission",
  "ec2:DescribeAvailabilityZones": "takes no resource-level permission",
  "iam:ListOpenIDConnectProviders": "takes no resource-level permission",
  "secretsmanager:GetRandomPassword": "takes no resource-level permission",
  "xray:PutTraceSegments": "takes no resource-level permission",
  "xray:PutTelemetryRecords": "takes no resource-level permission",
  "xray:GetSamplingRules": "takes no resource-level permission",
  "xray:GetSamplingTargets": "takes no resource-level permission"
}

const ingressRules = (mod: TfModule): ReadonlyArray<[string, JsonObject]> => [
  ...resourcesOfType(mod, "aws_vpc_security_group_ingress_rule")
]
const egressRules = (mod: TfModule): ReadonlyArray<[string, JsonObject]> => [
  ...resourcesOfType(mod, "aws_vpc_security_group_egress_rule")
]
const rulesOf = (rules: ReadonlyArray<[string, JsonObject]>, group: string): ReadonlyArray<JsonObject> =>
  rules.filter(([, rule]) => rule["security_group_id"] === `\${aws_security_group.${group}.id}`).map(([, rule]) => rule)
const port = (rule: JsonObject, key: "from_port" | "to_port"): Json => evaluate(stack, rule[key] ?? null)

describe("RDS", () => {
  const db = resource(stack, "aws_db_instance", "main")

  it("CKV_AWS_17: the database is not publicly accessible", () => {
    expect(db["publicly_accessible"]).toBe(false)
  })

  it("CKV_AWS_16: storage is encrypted", () => {
    expect(db["storage_encrypted"]).toBe(true)
  })

  it("CKV_AWS_293 / CKV_AWS_133: deletion protection and backups are on by default", () => {
    expect(evaluate(stack, db["deletion_protection"] ?? null)).toBe(true)
    expect(Number(evaluate(stack, db["backup_retention_period"] ?? null))).toBeGreaterThanOrEqual(7)
    expect(evaluate(stack, db["skip_final_snapshot"] ?? null)).toBe(false)
  })

  it("CKV_AWS_353: Performance Insights is on by default (7 days, the free retention)", () => {
    expect(db["performance_insights_enabled"]).toBe("${var.db_performance_insights_enabled}")
    expect(evaluate(stack, "${var.db_performance_insights_enabled}")).toBe(true)
    expect(db["performance_insights_retention_period"]).toBe("${var.db_performance_insights_enabled ? 7 : null}")
  })

  it("CKV_AWS_226 / CKV_AWS_129: minor upgrades and log exports are on", () => {
    expect(db["auto_minor_version_upgrade"]).toBe(true)
    expect(db["enabled_cloudwatch_logs_exports"]).toBe("${local.db_log_exports}")
  })

  it("the master password is managed by RDS in Secrets Manager, never set by Terraform", () => {
    expect(db["manage_master_user_password"]).toBe(true)
    expect(db).not.toHaveProperty("password")
    expect(db).not.toHaveProperty("password_wo")
  })

  it("the parameter group forces TLS (rds.force_ssl = 1)", () => {
    const group = resource(stack, "aws_db_parameter_group", "main")
    expect(blocks(group, "parameter")).toContainEqual({ name: "rds.force_ssl", value: "1" })
    expect(db["parameter_group_name"]).toBe("${aws_db_parameter_group.main.name}")
  })
})

describe("SQS", () => {
  it("CKV_AWS_27: both queues are encrypted", () => {
    for (const name of ["orders", "orders_dlq"]) {
      expect(resource(stack, "aws_sqs_queue", name)["sqs_managed_sse_enabled"], name).toBe(true)
    }
  })

  it("both queues refuse requests that are not over TLS", () => {
    for (const name of ["orders", "orders_dlq"]) {
      expect(resource(stack, "aws_sqs_queue_policy", name)["policy"]).toBe(
        `\${data.aws_iam_policy_document.queue_tls_only["${name}"].json}`
      )
    }
    const deny = block(dataSource(stack, "aws_iam_policy_document", "queue_tls_only"), "statement")
    expect(deny["effect"]).toBe("Deny")
    expect(block(deny, "condition")).toEqual({ test: "Bool", variable: "aws:SecureTransport", values: ["false"] })
  })
})

describe("S3 state bucket", () => {
  it("CKV_AWS_21: versioning is enabled", () => {
    const versioning = resource(bootstrap, "aws_s3_bucket_versioning", "state")
    expect(block(versioning, "versioning_configuration")["status"]).toBe("Enabled")
  })

  it("CKV_AWS_19 / CKV_AWS_145: server-side encryption with KMS", () => {
    const encryption = resource(bootstrap, "aws_s3_bucket_server_side_encryption_configuration", "state")
    const rule = block(encryption, "rule")
    expect(block(rule, "apply_server_side_encryption_by_default")["sse_algorithm"]).toBe("aws:kms")
  })

  it.each([
    ["CKV_AWS_53", "block_public_acls"],
    ["CKV_AWS_54", "block_public_policy"],
    ["CKV_AWS_55", "ignore_public_acls"],
    ["CKV_AWS_56", "restrict_public_buckets"]
  ])("%s: public access block %s", (_, setting) => {
    expect(resource(bootstrap, "aws_s3_bucket_public_access_block", "state")[setting]).toBe(true)
  })

  it("the bucket policy denies non-TLS access", () => {
    expect(resource(bootstrap, "aws_s3_bucket_policy", "state")["policy"]).toBe(
      "${data.aws_iam_policy_document.state_bucket.json}"
    )
    const deny = block(dataSource(bootstrap, "aws_iam_policy_document", "state_bucket"), "statement")
    expect(deny["effect"]).toBe("Deny")
    expect(block(deny, "condition")).toEqual({ test: "Bool", variable: "aws:SecureTransport", values: ["false"] })
  })

  it("the bucket and the lock table cannot be destroyed by accident (prevent_destroy)", () => {
    expect(block(resource(bootstrap, "aws_s3_bucket", "state"), "lifecycle")["prevent_destroy"]).toBe(true)
    expect(block(resource(bootstrap, "aws_dynamodb_table", "lock"), "lifecycle")["prevent_destroy"]).toBe(true)
  })
})

describe("DynamoDB lock table", () => {
  const table = resource(bootstrap, "aws_dynamodb_table", "lock")

  it("CKV_AWS_28: point-in-time recovery is enabled", () => {
    expect(block(table, "point_in_time_recovery")["enabled"]).toBe(true)
  })

  it("CKV_AWS_119: server-side encryption is enabled", () => {
    expect(block(table, "server_side_encryption")["enabled"]).toBe(true)
  })

  it("is keyed by LockID and billed on demand", () => {
    expect(table["hash_key"]).toBe("LockID")
    expect(blocks(table, "attribute")).toEqual([{ name: "LockID", type: "S" }])
    expect(table["billing_mode"]).toBe("PAY_PER_REQUEST")
  })
})

describe("IAM", () => {
  it("CKV_AWS_49 / CKV_AWS_63: no Allow statement grants * or service:* actions", () => {
    const wide = statements()
      .filter((statement) => statement.effect === "Allow")
      .flatMap((statement) =>
        statement.actions.filter((action) => typeof action !== "string" || action.includes("*")).map((action) =>
          `${statement.where}: ${String(action)}`
        )
      )
    expect(wide).toEqual([])
  })

  it("CKV_AWS_356: * resources only for actions AWS authorises on * alone", () => {
    const offending = statements()
      .filter((statement) => statement.effect === "Allow" && statement.resources.includes("*"))
      .flatMap((statement) =>
        statement.actions
          .filter((action) => typeof action !== "string" || starResourceActions[action] === undefined)
          .map((action) => `${statement.where}: ${String(action)}`)
      )
    expect(offending).toEqual([])
  })

  it("every policy attached anywhere is one of the documents checked here", () => {
    const attached = both.flatMap((mod) =>
      [
        ...[...instancesOfType(mod, "aws_iam_role_policy").values()].map((body) => body["policy"]),
        ...[...instancesOfType(mod, "aws_iam_role").values()].map((body) => body["assume_role_policy"]),
        ...[...resourcesOfType(mod, "aws_s3_bucket_policy").values()].map((body) => body["policy"]),
        ...[...resourcesOfType(mod, "aws_sqs_queue_policy").values()].map((body) => body["policy"]),
        ...[...resourcesOfType(mod, "aws_sns_topic_policy").values()].map((body) => body["policy"])
      ].map((policy) => bareExpression(policy) ?? String(policy))
    )
    expect(attached.filter((policy) => !/^data\.aws_iam_policy_document\.[a-z_]+(\["[a-z_]+"\])?\.json$/.test(policy)))
      .toEqual([])
    expect(resourcesOfType(stack, "aws_iam_role_policy_attachment").size).toBe(0)
    for (const mod of both) expect(resourcesOfType(mod, "aws_iam_policy").size).toBe(0)
  })

  it("CKV_AWS_274: the one managed policy attached anywhere is AdministratorAccess, on the infra apply role", () => {
    const attachments = [...resourcesOfType(bootstrap, "aws_iam_role_policy_attachment")]
    expect(attachments.map(([name, body]) => [name, body["role"], body["policy_arn"]])).toEqual([
      [
        "github_infra_apply",
        "${aws_iam_role.github_infra_apply.name}",
        "arn:${local.partition}:iam::aws:policy/AdministratorAccess"
      ]
    ])
  })

  it("CKV_AWS_60 / CKV_AWS_61: role trust is limited to ECS tasks of this account, or one GitHub repository", () => {
    const trust = block(dataSource(stack, "aws_iam_policy_document", "ecs_tasks_trust"), "statement")
    expect(block(trust, "principals")).toEqual({ type: "Service", identifiers: ["ecs-tasks.amazonaws.com"] })
    expect(blocks(trust, "condition").map((condition) => condition["variable"])).toEqual([
      "aws:SourceAccount",
      "aws:SourceArn"
    ])
  })

  const githubTrust = (key: string): JsonObject =>
    block(forEachInstance(bootstrap, "aws_iam_policy_document", "github_trust", key, "data"), "statement")

  it.each([
    ["deploy", "github_deploy", "StringEquals", "github_deploy_subject"],
    ["infra_plan", "github_infra_plan", "StringLike", "github_infra_plan_subject"],
    ["infra_apply", "github_infra_apply", "StringEquals", "github_infra_apply_subject"]
  ])("CKV_AWS_358: the GitHub OIDC trust of the %s role pins audience and subject", (key, role, test, subject) => {
    expect(resource(bootstrap, "aws_iam_role", role)["assume_role_policy"]).toBe(
      `\${data.aws_iam_policy_document.github_trust["${key}"].json}`
    )
    const statement = githubTrust(key)
    expect(block(statement, "principals")).toEqual({
      type: "Federated",
      identifiers: ["${local.github_oidc_provider_arn}"]
    })
    expect(statement["actions"]).toEqual(["sts:AssumeRoleWithWebIdentity"])
    expect(blocks(statement, "condition")).toEqual([
      { test: "StringEquals", variable: "${local.github_oidc_host}:aud", values: ["sts.amazonaws.com"] },
      { test, variable: "${local.github_oidc_host}:sub", values: [`\${local.${subject}}`] }
    ])
  })

  // job_workflow_ref: IAM cannot read that claim as a key of its own; the repository's customised
  // subject (repo, context, job_workflow_ref) carries it, so each trust names one workflow file.
  it("each role trusts one workflow file of one repository: deploy.yml on the branch, infra.yml of pull requests, infra.yml on the branch in the environment", () => {
    expect(bootstrap.locals.get("github_deploy_subject")).toBe(
      "repo:${var.github_repository}:ref:refs/heads/${var.github_branch}:job_workflow_ref:${local.github_deploy_workflow}"
    )
    expect(bootstrap.locals.get("github_deploy_workflow")).toBe(
      "${var.github_repository}/.github/workflows/deploy.yml@refs/heads/${var.github_branch}"
    )
    expect(bootstrap.locals.get("github_infra_workflow")).toBe("${var.github_repository}/.github/workflows/infra.yml")
    expect(bootstrap.locals.get("github_infra_plan_subject")).toBe(
      "repo:${var.github_repository}:pull_request:job_workflow_ref:${local.github_infra_workflow}@refs/pull/*/merge"
    )
    expect(bootstrap.locals.get("github_infra_apply_subject")).toBe(
      "repo:${var.github_repository}:environment:${var.github_infra_environment}:job_workflow_ref:${local.github_infra_workflow}@refs/heads/${var.github_branch}"
    )
  })

  it("the infra plan role cannot write: Get/List/Describe only, the state objects, the lock table's digest, no secret value", () => {
    const role = resource(bootstrap, "aws_iam_role_policy", "github_infra_plan")
    expect(role["role"]).toBe("${aws_iam_role.github_infra_plan.id}")
    expect(role["policy"]).toBe("${data.aws_iam_policy_document.github_infra_plan.json}")
    const planStatements = blocks(dataSource(bootstrap, "aws_iam_policy_document", "github_infra_plan"), "statement")
    const granted = planStatements.flatMap((statement) =>
      list(statement["actions"]).map((action) => ({ action: String(action), resources: statement["resources"] }))
    )
    expect(planStatements.every((statement) => statement["effect"] === undefined || statement["effect"] === "Allow"))
      .toBe(true)
    // Every action reads: its verb is Get, List or Describe.
    expect(granted.filter(({ action }) => !/^[a-z0-9-]+:(Get|List|Describe)[A-Za-z]*$/.test(action))).toEqual([])
    // Reading secrets or objects other than the state is not reading "the state".
    expect(granted.map(({ action }) => action)).not.toContain("secretsmanager:GetSecretValue")
    const byService = (service: string) => granted.filter(({ action }) => action.startsWith(`${service}:`))
    expect(byService("s3")).toEqual([
      { action: "s3:ListBucket", resources: ["${aws_s3_bucket.state.arn}"] },
      { action: "s3:GetObject", resources: "${local.state_object_arns}" }
    ])
    expect(bootstrap.locals.get("state_object_arns")).toBe(
      "${[for root in [\"bootstrap\", \"stack\"] : \"${aws_s3_bucket.state.arn}/${var.name_prefix}/${root}.tfstate\"]}"
    )
    expect(byService("dynamodb")).toEqual([{
      action: "dynamodb:GetItem",
      resources: ["${aws_dynamodb_table.lock.arn}"]
    }])
    // No managed policy widens it, and it is the role the plan job assumes (cross-check-pipeline).
    expect(
      [...resourcesOfType(bootstrap, "aws_iam_role_policy_attachment").values()].filter((attachment) =>
        attachment["role"] === "${aws_iam_role.github_infra_plan.name}"
      )
    ).toEqual([])
  })
})

describe("CloudWatch Logs", () => {
  it("CKV_AWS_66: every log group has a retention", () => {
    const groups = [...resourcesOfType(stack, "aws_cloudwatch_log_group")]
    expect(groups.length).toBeGreaterThanOrEqual(3)
    for (const [name, group] of groups) expect(group["retention_in_days"], name).toBe("${var.log_retention_days}")
    expect(stack.variables.get("log_retention_days")?.["default"]).toBe(7)
  })
})

describe("load balancer", () => {
  const alb = resource(stack, "aws_lb", "main")

  it("CKV_AWS_131: the ALB drops invalid header fields", () => {
    expect(alb["drop_invalid_header_fields"]).toBe(true)
  })

  it("CKV_AWS_2 / CKV_AWS_103: with a certificate, HTTPS on 443 with a TLS 1.2+ policy", () => {
    const https = resource(stack, "aws_lb_listener", "https")
    expect(https["count"]).toBe("${local.https_enabled ? 1 : 0}")
    expect(https["protocol"]).toBe("HTTPS")
    expect(https["port"]).toBe(443)
    expect(https["certificate_arn"]).toBe("${var.acm_certificate_arn}")
    expect(evaluate(stack, https["ssl_policy"] ?? null)).toMatch(/^ELBSecurityPolicy-TLS13-1-2-/)
    expect(stack.locals.get("https_enabled")).toBe("${var.acm_certificate_arn != \"\"}")
  })

  it("CKV_AWS_2: with a certificate, HTTP only redirects to HTTPS", () => {
    const redirect = resource(stack, "aws_lb_listener", "http_redirect")
    expect(redirect["count"]).toBe("${local.https_enabled ? 1 : 0}")
    const action = block(redirect, "default_action")
    expect(action["type"]).toBe("redirect")
    expect(block(action, "redirect")).toEqual({ port: "443", protocol: "HTTPS", status_code: "HTTP_301" })
  })

  it("plain HTTP forwarding exists only without a certificate (development)", () => {
    expect(resource(stack, "aws_lb_listener", "http_forward")["count"]).toBe("${local.https_enabled ? 0 : 1}")
    expect(resourcesOfType(stack, "aws_lb_listener").size).toBe(3)
  })
})

describe("security groups", () => {
  const ingress = ingressRules(stack)
  const egress = egressRules(stack)

  it("CKV_AWS_23: every group and rule has a description", () => {
    for (const [name, group] of resourcesOfType(stack, "aws_security_group")) {
      expect(group["description"], name).toBeTypeOf("string")
    }
    for (const [name, rule] of [...ingress, ...egress]) expect(rule["description"], name).toBeTypeOf("string")
    expect(
      [...resourcesOfType(stack, "aws_security_group").values()].filter((group) =>
        "ingress" in group || "egress" in group
      )
    ).toEqual([])
  })

  it("CKV2_AWS_12: the default security group has no rules", () => {
    const fallback = resource(stack, "aws_default_security_group", "default")
    expect(fallback).not.toHaveProperty("ingress")
    expect(fallback).not.toHaveProperty("egress")
  })

  it("ALB: ingress 80 and 443 from the internet, egress only to the API on the container port", () => {
    const alb = rulesOf(ingress, "alb")
    expect(alb.map((rule) => [port(rule, "from_port"), port(rule, "to_port"), rule["cidr_ipv4"]])).toEqual([
      [80, 80, "0.0.0.0/0"],
      [443, 443, "0.0.0.0/0"]
    ])
    const out = rulesOf(egress, "alb")
    expect(out.map((rule) => [rule["from_port"], rule["referenced_security_group_id"]])).toEqual([
      ["${var.api_container_port}", "${aws_security_group.api.id}"]
    ])
  })

  it("API: ingress only from the ALB security group, on the container port", () => {
    expect(rulesOf(ingress, "api")).toEqual([
      expect.objectContaining({
        from_port: "${var.api_container_port}",
        to_port: "${var.api_container_port}",
        ip_protocol: "tcp",
        referenced_security_group_id: "${aws_security_group.alb.id}"
      })
    ])
  })

  it("worker: no ingress at all", () => {
    expect(rulesOf(ingress, "worker")).toEqual([])
  })

  it("RDS: 5432 only from the API and worker security groups", () => {
    const db = rulesOf(ingress, "db")
    expect(db.map((rule) => [port(rule, "from_port"), port(rule, "to_port"), rule["referenced_security_group_id"]]))
      .toEqual([
        [5432, 5432, "${aws_security_group.api.id}"],
        [5432, 5432, "${aws_security_group.worker.id}"]
      ])
    expect(db.every((rule) => !("cidr_ipv4" in rule) && !("cidr_ipv6" in rule))).toBe(true)
    expect(rulesOf(egress, "db")).toEqual([])
  })

  it("CKV_AWS_24 / CKV_AWS_25 / CKV_AWS_260: nothing but the ALB admits traffic from the internet", () => {
    const open = ingress.filter(([, rule]) => "cidr_ipv4" in rule || "cidr_ipv6" in rule).map(([name]) => name)
    expect(open.sort()).toEqual(["alb_http", "alb_https"])
  })
})

describe("ECS", () => {
  it("CKV_AWS_65: Container Insights is enabled on the cluster", () => {
    expect(blocks(resource(stack, "aws_ecs_cluster", "main"), "setting")).toContainEqual({
      name: "containerInsights",
      value: "enabled"
    })
  })

  it.each(["api", "worker"])("%s: deployment circuit breaker with rollback", (service) => {
    expect(block(resource(stack, "aws_ecs_service", service), "deployment_circuit_breaker")).toEqual({
      enable: true,
      rollback: true
    })
  })

  it.each(["api", "worker"])("CKV_AWS_332: %s runs on the latest Fargate platform", (service) => {
    const body = resource(stack, "aws_ecs_service", service)
    expect(body["launch_type"]).toBe("FARGATE")
    expect(body["platform_version"]).toBe("LATEST")
  })

  it.each(["api", "worker"])("CKV_AWS_249: %s has a task role apart from the execution role", (service) => {
    const taskDefinition = taskDefinitionOf(stack, service)
    expect(taskDefinition["execution_role_arn"]).toBe("${aws_iam_role.execution.arn}")
    // The instance's own role: the task role of the same key.
    expect(taskDefinition["task_role_arn"]).toBe("${aws_iam_role.task[each.key].arn}")
    expect(new Set(Object.keys(localObject(stack, "program_tasks")))).toEqual(new Set(["api", "worker"]))
    expect(instancesOfType(stack, "aws_iam_role").has(`task["${service}"]`)).toBe(true)
  })

  it.each(["api", "worker"])("CKV_AWS_336: %s has a read-only root filesystem", (service) => {
    for (const container of containersOf(stack, service)) expect(container["readonlyRootFilesystem"]).toBe(true)
  })

  it("CKV_AWS_130: subnets do not hand out public IPs by themselves", () => {
    for (const [name, subnet] of resourcesOfType(stack, "aws_subnet")) {
      expect(subnet["map_public_ip_on_launch"], name).toBe(false)
    }
  })
})

describe("ECR", () => {
  const repository = resource(stack, "aws_ecr_repository", "program")

  it("CKV_AWS_51: image tags are immutable", () => {
    expect(repository["image_tag_mutability"]).toBe("IMMUTABLE")
  })

  it("CKV_AWS_163: images are scanned on push", () => {
    expect(block(repository, "image_scanning_configuration")["scan_on_push"]).toBe(true)
  })
})

// ---------------------------------------------------------------------------------------------
// Waivers: rules the configuration does not meet on purpose. Keep this table and the README's in
// step (the last test checks it).
// ---------------------------------------------------------------------------------------------

interface Waiver {
  readonly rule: string
  readonly module: TfModule
  readonly address: string
  readonly reason: string
}

const waivers: ReadonlyArray<Waiver> = [
  {
    rule: "CKV_AWS_157",
    module: stack,
    address: "aws_db_instance.main",
    reason: "Multi-AZ is a variable (db_multi_az), off by default for cost; turn it on for production."
  },
  {
    rule: "CKV_AWS_118",
    module: stack,
    address: "aws_db_instance.main",
    reason:
      "Enhanced monitoring needs its own role and costs extra; CloudWatch metrics and exported logs cover the alarms."
  },
  {
    rule: "CKV_AWS_161",
    module: stack,
    address: "aws_db_instance.main",
    reason: "IAM database authentication is not used: the programs authenticate with the RDS-managed secret."
  },
  {
    rule: "CKV_AWS_354",
    module: stack,
    address: "aws_db_instance.main",
    reason: "Performance Insights data is encrypted with the AWS-managed aws/rds key, not a customer-managed one."
  },
  {
    rule: "CKV_AWS_91",
    module: stack,
    address: "aws_lb.main",
    reason: "ALB access logs need an extra S3 bucket; request logs are in the API's log group."
  },
  {
    rule: "CKV2_AWS_28",
    module: stack,
    address: "aws_lb.main",
    reason: "No WAF in front of the ALB in this stack; add aws_wafv2_web_acl_association for a public production API."
  },
  {
    rule: "CKV_AWS_150",
    module: stack,
    address: "aws_lb.main",
    reason: "ALB deletion protection is a variable (alb_deletion_protection), off by default so teardown works."
  },
  {
    rule: "CKV_AWS_2",
    module: stack,
    address: "aws_lb_listener.http_forward",
    reason: "Plain HTTP exists only when no certificate is given (development)."
  },
  {
    rule: "CKV_AWS_260",
    module: stack,
    address: "aws_vpc_security_group_ingress_rule.alb_http",
    reason: "Port 80 is open on the ALB to redirect to HTTPS (or to serve development without a certificate)."
  },
  {
    rule: "CKV_AWS_333",
    module: stack,
    address: "aws_ecs_service.worker",
    reason:
      "Tasks get a public IP in the default no-NAT layout (the seed's cost trade-off); tasks_in_private_subnets = true removes it. Their security groups admit nothing from the internet."
  },
  {
    rule: "CKV2_AWS_11",
    module: stack,
    address: "aws_vpc.main",
    reason: "VPC flow logs are not enabled (cost); add aws_flow_log when network forensics are needed."
  },
  {
    rule: "CKV_AWS_158",
    module: stack,
    address: "aws_cloudwatch_log_group.api",
    reason: "Log groups use CloudWatch's default encryption, not a customer-managed KMS key."
  },
  {
    rule: "CKV_AWS_338",
    module: stack,
    address: "aws_cloudwatch_log_group.api",
    reason: "Retention is 7 days by default (log_retention_days), not a year: development cost."
  },
  {
    rule: "CKV_AWS_136",
    module: stack,
    address: "aws_ecr_repository.program",
    reason: "ECR uses AES-256 encryption, not a customer-managed KMS key."
  },
  {
    rule: "CKV_AWS_26",
    module: stack,
    address: "aws_sns_topic.alarms",
    reason:
      "The alarm topic is not KMS-encrypted: the AWS-managed SNS key does not let CloudWatch and EventBridge publish; alarms carry no secrets."
  },
  {
    rule: "CKV_AWS_149",
    module: stack,
    address: "aws_secretsmanager_secret.admin_token",
    reason: "Secrets use the AWS-managed Secrets Manager key."
  },
  {
    rule: "CKV2_AWS_57",
    module: stack,
    address: "aws_secretsmanager_secret.admin_token",
    reason: "ADMIN_TOKEN is rotated by bumping admin_token_version, not by a rotation Lambda."
  },
  {
    rule: "CKV_AWS_274",
    module: bootstrap,
    address: "aws_iam_role_policy_attachment.github_infra_apply",
    reason:
      "The infra apply role creates IAM roles and policies, so it is administrator-equivalent whatever its policy; its trust is the guard: infra.yml of the deploy branch, in the approval-gated GitHub Environment."
  },
  {
    rule: "CKV_AWS_18",
    module: bootstrap,
    address: "aws_s3_bucket.state",
    reason: "No access logging on the state bucket (it would need a second bucket); CloudTrail records its API calls."
  },
  {
    rule: "CKV_AWS_144",
    module: bootstrap,
    address: "aws_s3_bucket.state",
    reason: "No cross-region replication of state: versioning covers bad applies, and the stack can be rebuilt."
  }
]

describe("waivers", () => {
  it.each(waivers.map((waiver) => [waiver.rule, waiver.address, waiver] as const))(
    "%s on %s is a named, reasoned exception on a resource that exists",
    (_, address, waiver) => {
      const [type, name] = address.split(".")
      expect(type !== undefined && name !== undefined && waiver.module.resources.get(type)?.has(name)).toBe(true)
      expect(waiver.reason.length).toBeGreaterThan(20)
    }
  )

  it("the README lists every waiver", () => {
    const readme = readFileSync(join(infraRoot, "README.md"), "utf8")
    expect(waivers.filter((waiver) => !readme.includes(waiver.rule)).map((waiver) => waiver.rule)).toEqual([])
  })
})
