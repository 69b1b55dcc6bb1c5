/**
 * Settings that must agree across resources: the queue and the worker, the load balancer and
 * the API's drain deadline, ECS stop timeouts and drain deadlines, and the database connection
 * budget. Values come from the variables' defaults through the same expressions Terraform uses.
 */
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { numericDefault, programConfig } from "./support/program-config.ts"
import {
  block,
  containersOf,
  containerVariable,
  evaluateNumber,
  forEachInstance,
  infraRoot,
  isObject,
  type JsonObject,
  loadModule,
  localObject,
  resource,
  taskDefinitionOf
} from "./support/terraform.ts"

const stack = await loadModule(join(infraRoot, "stack"))

const container = (program: "api" | "worker"): JsonObject => {
  const [first] = containersOf(stack, program)
  if (first === undefined) throw new Error(`no ${program} container`)
  return first
}
const env = (program: "api" | "worker", name: string): number =>
  evaluateNumber(stack, containerVariable(container(program), name).value)

describe("queue and worker", () => {
  const queue = resource(stack, "aws_sqs_queue", "orders")

  it("the worker's SQS_VISIBILITY_TIMEOUT_SECONDS is the queue's visibility timeout (same variable, 30 s)", () => {
    expect(containerVariable(container("worker"), "SQS_VISIBILITY_TIMEOUT_SECONDS").value).toBe(
      "${tostring(var.sqs_visibility_timeout_seconds)}"
    )
    expect(queue["visibility_timeout_seconds"]).toBe("${var.sqs_visibility_timeout_seconds}")
    expect(env("worker", "SQS_VISIBILITY_TIMEOUT_SECONDS")).toBe(
      evaluateNumber(stack, queue["visibility_timeout_seconds"])
    )
    expect(env("worker", "SQS_VISIBILITY_TIMEOUT_SECONDS")).toBe(30)
  })

  it("the heartbeat interval is shorter than the visibility timeout", () => {
    expect(env("worker", "SQS_HEARTBEAT_INTERVAL_SECONDS")).toBeLessThan(
      env("worker", "SQS_VISIBILITY_TIMEOUT_SECONDS")
    )
  })

  it("an order lease outlasts the business step, and a dead worker's order is retaken within minutes", () => {
    expect(env("worker", "ORDER_LEASE_SECONDS") * 1000).toBeGreaterThan(env("worker", "PROCESSING_DELAY_MS"))
    expect(env("worker", "ORDER_LEASE_SECONDS")).toBeLessThanOrEqual(300)
  })

  it("maxReceiveCount tolerates a crash (≥ 2) and a poison message reaches the DLQ well within retention", () => {
    const redrive = localObject(stack, "orders_redrive_policy")
    const maxReceiveCount = evaluateNumber(stack, redrive["maxReceiveCount"])
    expect(maxReceiveCount).toBe(5)
    expect(maxReceiveCount).toBeGreaterThanOrEqual(2)
    const retention = evaluateNumber(stack, queue["message_retention_seconds"])
    expect(maxReceiveCount * env("worker", "SQS_VISIBILITY_TIMEOUT_SECONDS")).toBeLessThan(retention / 100)
  })

  it("business retries fit SQS delayed messages: RETRY_MAX_DELAY_MS ≤ 900 s", () => {
    expect(env("worker", "RETRY_MAX_DELAY_MS")).toBeLessThanOrEqual(900_000)
    expect(env("worker", "RETRY_BASE_DELAY_MS")).toBeLessThanOrEqual(env("worker", "RETRY_MAX_DELAY_MS"))
  })

  it("the queue long-polls for 20 s, as the worker does, within the visibility timeout", () => {
    expect(queue["receive_wait_time_seconds"]).toBe(20)
    expect(20).toBeLessThanOrEqual(env("worker", "SQS_VISIBILITY_TIMEOUT_SECONDS"))
  })

  it("the worker runs as an SQS consumer on ECS, without an endpoint override", () => {
    expect(containerVariable(container("worker"), "WORKER_MODE").value).toBe("sqs-consumer")
    for (const program of ["api", "worker"] as const) {
      expect(() => containerVariable(container(program), "SQS_ENDPOINT")).toThrow()
      expect(containerVariable(container(program), "SQS_QUEUE_URL").value).toBe("${aws_sqs_queue.orders.url}")
    }
  })
})

describe("shutdown", () => {
  it.each(["api", "worker"] as const)(
    "%s: ECS stopTimeout is longer than SHUTDOWN_DRAIN_MS, and at most 120 s",
    (program) => {
      const stopTimeout = evaluateNumber(stack, container(program)["stopTimeout"])
      expect(stopTimeout * 1000).toBeGreaterThan(env(program, "SHUTDOWN_DRAIN_MS"))
      expect(stopTimeout).toBeLessThanOrEqual(120)
    }
  )

  it("drain deadlines default to 10 s (API) and 20 s (worker)", () => {
    expect(env("api", "SHUTDOWN_DRAIN_MS")).toBe(10_000)
    expect(env("worker", "SHUTDOWN_DRAIN_MS")).toBe(20_000)
  })

  // ECS stops a task behind a load balancer in this order: deregister the target and wait the
  // deregistration delay (requests in flight finish, nothing new arrives), then SIGTERM, then
  // SIGKILL after stopTimeout. The API's drain happens after the delay, inside stopTimeout.
  it("the ALB drains an API target for 15-30 s, long enough for a request's longest statement", () => {
    const delay = evaluateNumber(stack, resource(stack, "aws_lb_target_group", "api")["deregistration_delay"])
    expect(delay).toBeGreaterThanOrEqual(15)
    expect(delay).toBeLessThanOrEqual(30)
    const statementTimeout = programConfig("api").all.find((key) => key.name === "DATABASE_STATEMENT_TIMEOUT_MS")
    expect(() => containerVariable(container("api"), "DATABASE_STATEMENT_TIMEOUT_MS"), "set by the task").toThrow()
    const longestStatementMs = statementTimeout === undefined ? undefined : numericDefault(statementTimeout)
    expect(longestStatementMs).toBe(15_000)
    expect(delay * 1000).toBeGreaterThanOrEqual(longestStatementMs ?? Infinity)
  })

  it("a stopping API task: the delay, then its drain inside stopTimeout, in at most a minute", () => {
    const delay = evaluateNumber(stack, resource(stack, "aws_lb_target_group", "api")["deregistration_delay"])
    const stopTimeout = evaluateNumber(stack, container("api")["stopTimeout"])
    expect(env("api", "SHUTDOWN_DRAIN_MS")).toBeLessThan(stopTimeout * 1000)
    expect(delay + stopTimeout).toBeLessThanOrEqual(60)
  })
})

describe("worker autoscaling and the worker's own throughput", () => {
  // Worker CPU per message in sqs-consumer mode, measured by the bench (README, "Performance",
  // scenario 3: 1.054–1.066 ms on the Effect 4 line).
  const cpuMsPerMessage = 1.06

  it("the planning drain rate is at most a quarter of what one task can do by its concurrency and its CPU", () => {
    const rate = evaluateNumber(stack, "${var.worker_drain_rate_per_task}")
    const byConcurrency = env("worker", "WORKER_CONCURRENCY") / (env("worker", "PROCESSING_DELAY_MS") / 1000)
    const vcpu = evaluateNumber(stack, taskDefinitionOf(stack, "worker")["cpu"]) / 1024
    const byCpu = (vcpu * 1000) / cpuMsPerMessage
    expect({ byConcurrency, byCpu: Math.round(byCpu) }).toEqual({ byConcurrency: 200, byCpu: 236 })
    expect(rate * 4).toBeLessThanOrEqual(Math.min(byConcurrency, byCpu))
  })

  it("a task at the scale-out threshold drains it well inside the oldest-message alarm", () => {
    const perTask = evaluateNumber(stack, "${local.worker_scale_out_backlog_per_task}")
    const rate = evaluateNumber(stack, "${var.worker_drain_rate_per_task}")
    const alarmMinutes = evaluateNumber(
      stack,
      forEachInstance(stack, "aws_cloudwatch_metric_alarm", "worker_scaling", "scale-out")["evaluation_periods"]
    )
    // Alarm, then about a minute for a new task to start, then draining at the planning rate.
    const secondsBehind = alarmMinutes * 60 + 60 + perTask / rate
    expect(secondsBehind).toBeLessThan(evaluateNumber(stack, "${var.alarm_oldest_message_age_seconds}"))
  })
})

describe("API port and health check", () => {
  const targetGroup = resource(stack, "aws_lb_target_group", "api")

  it("container port, PORT, target group and health check agree on 8080 and /health/ready", () => {
    const port = evaluateNumber(stack, "${var.api_container_port}")
    expect(port).toBe(8080)
    expect(env("api", "PORT")).toBe(port)
    const mappings = container("api")["portMappings"]
    const mapping = Array.isArray(mappings) ? mappings[0] : undefined
    expect(isObject(mapping) ? evaluateNumber(stack, mapping["containerPort"]) : undefined).toBe(port)
    expect(evaluateNumber(stack, targetGroup["port"])).toBe(port)
    const health = block(targetGroup, "health_check")
    expect(health["port"]).toBe("traffic-port")
    expect(stack.variables.get("api_health_check_path")?.["default"]).toBe("/health/ready")
    expect(health["path"]).toBe("${var.api_health_check_path}")
    expect(health["matcher"]).toBe("200")
  })
})

describe("database connection budget", () => {
  const maxConnections = localObject(stack, "rds_max_connections")
  const reserved = evaluateNumber(stack, "${local.db_reserved_connections}")
  const instanceClass = String(stack.variables.get("db_instance_class")?.["default"])

  /** Peak tasks of a service during a rolling deployment (deployment_maximum_percent). */
  const peakTasks = (service: "api" | "worker", count: number): number => {
    const maximumPercent = evaluateNumber(
      stack,
      resource(stack, "aws_ecs_service", service)["deployment_maximum_percent"]
    )
    return Math.ceil((count * maximumPercent) / 100)
  }

  it("max_connections is LEAST(DBInstanceClassMemory/9531392, 5000) planned at 72 % of the nominal memory", () => {
    const gib: Readonly<Record<string, number>> = { micro: 1, small: 2, medium: 4, large: 8, xlarge: 16, "2xlarge": 32 }
    const rMemory: Readonly<Record<string, number>> = { large: 16, xlarge: 32 }
    for (const [name, value] of Object.entries(maxConnections)) {
      const [, family, size] = /^db\.([a-z0-9]+)\.(\w+)$/.exec(name) ?? []
      const memory = family?.startsWith("r") === true ? rMemory[size ?? ""] : gib[size ?? ""]
      if (memory === undefined) throw new Error(`no memory size for ${name}`)
      const nominal = Math.min(Math.floor((memory * 1024 ** 3) / 9531392), 5000)
      expect(value, name).toBe(Math.floor(nominal * 0.72))
    }
  })

  // A process never holds more than DATABASE_POOL_SIZE sessions, migrations and transactions
  // included: packages/postgres/test/PgClientLive.test.ts proves it of @effect/sql-pg's driver. A
  // worker holds one more, outside its pool: the outbox notifications' listener (OutboxSignalPg).
  it("(API tasks + worker tasks at their peak) × DATABASE_POOL_SIZE (+1 listener per worker) fits the instance's connection limit", () => {
    const apiTasks = peakTasks("api", evaluateNumber(stack, resource(stack, "aws_ecs_service", "api")["desired_count"]))
    const workerMax = evaluateNumber(stack, resource(stack, "aws_appautoscaling_target", "worker")["max_capacity"])
    expect(workerMax).toBe(5)
    const workerTasks = peakTasks("worker", workerMax)
    // The last 1: the outbox backlog sampler's own connection, one per deployment.
    const peak = apiTasks * env("api", "DATABASE_POOL_SIZE") + workerTasks * (env("worker", "DATABASE_POOL_SIZE") + 1) +
      1
    const limit = evaluateNumber(stack, maxConnections[instanceClass] ?? null) - reserved
    expect(instanceClass).toBe("db.t4g.micro")
    expect({ apiTasks, workerTasks, peak }).toEqual({ apiTasks: 4, workerTasks: 10, peak: 71 })
    expect(peak).toBeLessThanOrEqual(limit)
  })

  it("Terraform enforces the same budget at plan time (precondition on the instance)", () => {
    expect(evaluateNumber(stack, "${local.db_connections_peak}")).toBe(71)
    const preconditions = block(resource(stack, "aws_db_instance", "main"), "lifecycle")["precondition"]
    expect(JSON.stringify(preconditions)).toContain(
      "local.db_connections_peak <= lookup(local.rds_max_connections, var.db_instance_class, 0) - local.db_reserved_connections"
    )
  })
})
