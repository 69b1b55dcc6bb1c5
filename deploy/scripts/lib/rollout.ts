/**
 * The rollout gate: reads `aws ecs describe-services` output and says whether the revision just
 * registered is what the service now runs. `amazon-ecs-deploy-task-definition` (like `aws ecs
 * wait services-stable`) calls a service "stable" after the circuit breaker rolled it back to the
 * old revision; this gate does not. A rollout is complete when the PRIMARY deployment runs the
 * expected task definition, its rolloutState is COMPLETED, and runningCount == desiredCount.
 */

/** The fields of `aws ecs describe-services --output json` the gate reads (others are ignored). */
export interface DescribeServicesOutput {
  readonly services?: ReadonlyArray<{
    readonly serviceName?: string
    readonly status?: string
    readonly deployments?: ReadonlyArray<Deployment>
  }>
  readonly failures?: ReadonlyArray<{ readonly arn?: string; readonly reason?: string }>
}

export interface Deployment {
  readonly id?: string
  readonly status?: string
  readonly taskDefinition?: string
  readonly rolloutState?: string
  readonly rolloutStateReason?: string
  readonly runningCount?: number
  readonly desiredCount?: number
  readonly failedTasks?: number
}

export interface Assessment {
  /** complete: the gate passes; pending: look again later; failed: stop now, it will not recover. */
  readonly verdict: "complete" | "pending" | "failed"
  readonly reason: string
  readonly primary: Deployment | undefined
}

const revision = (taskDefinition: string | undefined): string => taskDefinition?.split("/").pop() ?? "none"

export const assessRollout = (
  output: DescribeServicesOutput,
  service: string,
  expectedTaskDefinition: string
): Assessment => {
  const found = output.services?.find((candidate) => candidate.serviceName === service)
  if (found === undefined) {
    const failure = output.failures?.map((entry) => entry.reason ?? "unknown").join(", ")
    return { verdict: "failed", reason: `${service} not found (${failure || "no such service"})`, primary: undefined }
  }
  if (found.status !== "ACTIVE") {
    return {
      verdict: "failed",
      reason: `${service} is ${found.status ?? "in no state"}, not ACTIVE`,
      primary: undefined
    }
  }
  const deployments = found.deployments ?? []
  const primary = deployments.find((deployment) => deployment.status === "PRIMARY")
  const ours = deployments.find((deployment) => deployment.taskDefinition === expectedTaskDefinition)
  if (ours?.rolloutState === "FAILED") {
    return {
      verdict: "failed",
      reason:
        `the deployment of ${revision(expectedTaskDefinition)} FAILED: ${
          ours.rolloutStateReason ?? "no reason given"
        }` +
        (primary !== undefined && primary !== ours
          ? `; the service is back on ${revision(primary.taskDefinition)}`
          : ""),
      primary
    }
  }
  if (primary === undefined) return { verdict: "pending", reason: "no PRIMARY deployment yet", primary }
  if (primary.taskDefinition !== expectedTaskDefinition) {
    // The breaker's rollback deployment replaces ours as PRIMARY, and ours may already be gone
    // from the list: either way this revision will not be what the service runs.
    return {
      verdict: "failed",
      reason: `the PRIMARY deployment runs ${revision(primary.taskDefinition)}, not ${
        revision(expectedTaskDefinition)
      } (rolled back, or replaced by another deploy)`,
      primary
    }
  }
  const counts = `${primary.runningCount ?? 0} of ${primary.desiredCount ?? 0} tasks running`
  if (primary.rolloutState !== "COMPLETED") {
    return { verdict: "pending", reason: `rolloutState ${primary.rolloutState ?? "none"}, ${counts}`, primary }
  }
  if (primary.runningCount !== primary.desiredCount) {
    return { verdict: "pending", reason: `rolloutState COMPLETED but ${counts}`, primary }
  }
  return { verdict: "complete", reason: `${revision(expectedTaskDefinition)} COMPLETED, ${counts}`, primary }
}

export interface PollOptions {
  readonly service: string
  readonly expectedTaskDefinition: string
  /** One `describe-services` call; a rejection counts as a failed look. */
  readonly describe: () => Promise<DescribeServicesOutput>
  readonly sleep: (ms: number) => Promise<void>
  readonly now: () => number
  readonly timeoutMs: number
  readonly intervalMs: number
  /** Consecutive failed looks (throttling, network) tolerated before the gate gives up. */
  readonly maxDescribeFailures: number
  readonly log: (line: string) => void
}

/**
 * Looks until the rollout is complete or failed, or until `timeoutMs` has passed (then failed, with
 * the last state as the reason). A hand-written loop: this runs on the deploy runner without the
 * workspace's node_modules, so Effect's Schedule is not at hand.
 */
export const pollRollout = async (options: PollOptions): Promise<Assessment> => {
  const deadline = options.now() + options.timeoutMs
  let last: Assessment = { verdict: "pending", reason: "not looked yet", primary: undefined }
  let describeFailures = 0
  for (;;) {
    try {
      last = assessRollout(await options.describe(), options.service, options.expectedTaskDefinition)
      describeFailures = 0
    } catch (error) {
      describeFailures++
      const reason = `describe-services failed: ${error instanceof Error ? error.message : String(error)}`
      if (describeFailures >= options.maxDescribeFailures) return { verdict: "failed", reason, primary: last.primary }
      last = { verdict: "pending", reason, primary: last.primary }
    }
    options.log(`${options.service}: ${last.verdict}: ${last.reason}`)
    if (last.verdict !== "pending") return last
    if (options.now() + options.intervalMs > deadline) {
      return {
        verdict: "failed",
        reason: `not complete after ${Math.round(options.timeoutMs / 1000)} s: ${last.reason}`,
        primary: last.primary
      }
    }
    await options.sleep(options.intervalMs)
  }
}

/** One row of the run's summary table. */
export const summaryRow = (service: string, assessment: Assessment): string => {
  const primary = assessment.primary
  return `| ${service} | ${revision(primary?.taskDefinition)} | ${primary?.rolloutState ?? "none"} | ${
    primary?.runningCount ?? "-"
  } / ${primary?.desiredCount ?? "-"} | ${assessment.verdict}: ${assessment.reason.replaceAll("|", "\\|")} |`
}
