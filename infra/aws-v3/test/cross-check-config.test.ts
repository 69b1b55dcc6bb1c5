/**
 * Terraform and the programs agree on names: the variables each ECS task definition sets are the
 * ones its program reads (found in the program's `Config` calls, see support/program-config.ts),
 * and every variable a program requires is set by its task. The API's paths and port match too.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import {
  type ConfigKey,
  libraryEnvironment,
  nodeEnvironment,
  numericDefault,
  type Program,
  programConfig,
  programPackages,
  stringLiterals
} from "./support/program-config.ts"
import {
  containersOf,
  containerVariables,
  evaluateNumber,
  infraRoot,
  loadModule,
  repoRoot
} from "./support/terraform.ts"

const stack = await loadModule(join(infraRoot, "stack"))
const programs: ReadonlyArray<Program> = ["api", "worker"]

const taskVariables = (program: Program): ReadonlySet<string> =>
  new Set(
    containersOf(stack, program).flatMap((container) => containerVariables(container).map((variable) => variable.name))
  )

const describeKey = (key: ConfigKey): string => `${key.name} (${key.file}:${key.line})`

describe.each(programs)("%s: task definition ↔ program", (program) => {
  const config = programConfig(program)
  const readNames = new Set(config.all.map((key) => key.name))

  it("the program's sources exist (this cross-check reads them)", () => {
    expect(
      config.sourceFileCount,
      `${programPackages[program].own}/src has no TypeScript yet: the cross-check needs the program`
    ).toBeGreaterThan(0)
    expect(config.all.length, `no Config calls found for ${program}`).toBeGreaterThan(0)
  })

  it("every variable the task sets is read by the program", () => {
    const unread = [...taskVariables(program)].filter((name) => {
      if (readNames.has(name) || nodeEnvironment.has(name)) return false
      const library = libraryEnvironment[name]
      return library === undefined || !library.libraries.some((dependency) => config.dependencies.has(dependency))
    })
    expect(unread, "set by Terraform, read by nobody (a typo, or a renamed variable)").toEqual([])
  })

  it("the task sets Node's heap limit, NODE_OPTIONS=--max-old-space-size, from the task's memory", () => {
    const variable = containersOf(stack, program).flatMap(containerVariables).find((entry) =>
      entry.name === "NODE_OPTIONS"
    )
    expect(JSON.stringify(variable?.value)).toContain(`local.${program}_node_options`)
  })

  it("every variable the program requires is set by the task", () => {
    const set = taskVariables(program)
    const missing = config.own.filter((key) => !key.optional && !set.has(key.name)).map(describeKey)
    expect(missing, "required by the program, missing from its task definition").toEqual([])
  })

  it("no task leaves a variable unset that an adapter requires", () => {
    const setAnywhere = new Set(programs.flatMap((other) => [...taskVariables(other)]))
    const missing = config.shared.filter((key) => !key.optional && !setAnywhere.has(key.name)).map(describeKey)
    expect(missing).toEqual([])
  })

  it("what the task leaves unset has no default that would override it on ECS (DATABASE_URL, SQS_ENDPOINT)", () => {
    const set = taskVariables(program)
    const overriding = config.all
      .filter((key) =>
        ["DATABASE_URL", "SQS_ENDPOINT"].includes(key.name) && !set.has(key.name) && key.defaultText !== undefined
      )
      .map(describeKey)
    expect(overriding, "a default here would win over PG* / the regional endpoint").toEqual([])
  })

  it("numeric defaults in code agree with what Terraform passes, where the code has one", () => {
    const [container] = containersOf(stack, program)
    if (container === undefined) throw new Error("no container")
    const mismatches = containerVariables(container).flatMap((variable) => {
      if (variable.secret) return []
      const names = ["PORT", "SQS_VISIBILITY_TIMEOUT_SECONDS", "SQS_HEARTBEAT_INTERVAL_SECONDS", "SHUTDOWN_DRAIN_MS"]
      if (!names.includes(variable.name)) return []
      const passed = evaluateNumber(stack, variable.value)
      return config.all
        .filter((key) => key.name === variable.name)
        .flatMap((key) => {
          const inCode = numericDefault(key)
          return inCode === undefined || inCode === passed
            ? []
            : [`${describeKey(key)}: code ${inCode}, Terraform ${passed}`]
        })
    })
    expect(mismatches).toEqual([])
  })
})

describe("API paths and port", () => {
  it("the API serves the readiness path the target group checks, and a liveness path", () => {
    const literals = stringLiterals("api")
    expect(literals.size, "packages/api/src has no sources yet").toBeGreaterThan(0)
    const serves = (path: string): boolean => {
      const [prefix, leaf] = [path.slice(0, path.lastIndexOf("/")), path.slice(path.lastIndexOf("/"))]
      return literals.has(path) || (literals.has(prefix) && literals.has(leaf))
    }
    const readiness = String(stack.variables.get("api_health_check_path")?.["default"])
    expect(readiness).toBe("/health/ready")
    expect(serves(readiness), `no "${readiness}" in packages/api/src`).toBe(true)
    expect(serves("/health/live"), "no \"/health/live\" in packages/api/src").toBe(true)
  })

  it("the API reads PORT, and its default is the container port", () => {
    const port = programConfig("api").all.filter((key) => key.name === "PORT")
    expect(port.map(describeKey)).not.toEqual([])
    const port8080 = evaluateNumber(stack, "${var.api_container_port}")
    for (const key of port) {
      const inCode = numericDefault(key)
      if (inCode !== undefined) expect(inCode, describeKey(key)).toBe(port8080)
    }
  })
})

describe("api: young generation", () => {
  it("the API's task and image agree on the young generation, and the heap (old + young) stays at 75 % of the memory", () => {
    const imageFlag = /"--max-semi-space-size=(\d+)"/.exec(readFileSync(join(repoRoot, "Dockerfile.api"), "utf8"))
    expect(imageFlag?.[1]).toBeDefined()
    expect(String(stack.locals.get("api_semi_space_mib"))).toBe(imageFlag?.[1])
    // The tracing sidecar's reservation (0 unless tracing_enabled) comes off the task first.
    expect(stack.locals.get("api_node_options")).toBe(
      "--max-old-space-size=${floor((var.api_memory - local.otel_memory_share) * local.node_heap_share)" +
        " - 3 * local.api_semi_space_mib} --max-semi-space-size=${local.api_semi_space_mib}"
    )
  })
})
