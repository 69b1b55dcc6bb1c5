import { parse } from "@cdktf/hcl2json"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import {
  blocks,
  expressions,
  infraRoot,
  isObject,
  type Json,
  type JsonObject,
  loadModule,
  referencesIn,
  tfFileNames,
  type TfModule
} from "./support/terraform.ts"

const modules = ["bootstrap", "stack"] as const
const dirOf = (name: (typeof modules)[number]): string => join(infraRoot, name)

/** One major of the AWS provider: a minor or patch release never arrives with a new major's breaks. */
const awsConstraint = "~> 5.100"
/** h1 hash of hashicorp/aws 5.100.0 for linux_amd64, as the offline mirror's package hashes. */
const linuxAmd64Hash = "h1:edXOJWE4ORX8Fm+dpVpICzMZJat4AX0VRCAy/xkcOc0="

interface ProviderLock {
  readonly address: string
  readonly version: string
  readonly constraints: string
  readonly hashes: ReadonlyArray<string>
}

/** The one provider entry of a root's `.terraform.lock.hcl` (HCL, parsed like the .tf files). */
const providerLock = async (name: (typeof modules)[number]): Promise<ProviderLock> => {
  const path = join(dirOf(name), ".terraform.lock.hcl")
  expect(existsSync(path), `${name}/.terraform.lock.hcl is committed`).toBe(true)
  const json = (await parse(".terraform.lock.hcl", readFileSync(path, "utf8"))) as JsonObject
  const providers = json["provider"]
  const entries = isObject(providers) ? Object.entries(providers) : []
  expect(entries.map(([address]) => address)).toHaveLength(1)
  const [address, bodies] = entries[0] ?? ["", []]
  const body = Array.isArray(bodies) ? (bodies[0] as JsonObject) : ({} as JsonObject)
  const hashes = body["hashes"]
  return {
    address,
    version: String(body["version"]),
    constraints: String(body["constraints"]),
    hashes: Array.isArray(hashes) ? hashes.map(String) : []
  }
}

/** Every file an operator or a check reads: Terraform, examples, backend config. */
const configFiles = (): ReadonlyArray<string> =>
  modules.flatMap((name) =>
    readdirSync(dirOf(name))
      .filter((file) => /\.(tf|tfvars|example|hcl)$/.test(file))
      .map((file) => join(dirOf(name), file))
  )

/** Names that may start a reference besides declared objects (iterators are added per module). */
const builtinRoots = new Set(["each", "count", "self", "path", "terraform"])

/**
 * `type = number` and `ignore_changes = [x]` name types and attributes, not objects; a `removed`
 * or `moved` block's `from` names an object that is, on purpose, no longer declared.
 */
const notReferences =
  /^\.variable\.[^.]+\[\d+\]\.type$|\.lifecycle\[\d+\]\.ignore_changes\[\d+\]$|^\.(removed|moved)\[\d+\]\.from$/

/** Labels of `dynamic "x"` blocks: their iterator `x` is a valid reference root. */
const dynamicLabels = (value: Json, into: Set<string>): Set<string> => {
  if (Array.isArray(value)) { for (const item of value) dynamicLabels(item as Json, into) }
  else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (key === "dynamic" && isObject(item)) { for (const label of Object.keys(item)) into.add(label) }
      dynamicLabels(item, into)
    }
  }
  return into
}

const unresolved = async (mod: TfModule): Promise<ReadonlyArray<string>> => {
  const problems: Array<string> = []
  for (const file of mod.files) {
    const iterators = dynamicLabels(file.json, new Set())
    for (const { path, expression } of expressions(file.json)) {
      if (notReferences.test(path)) continue
      for (const reference of await referencesIn(expression)) {
        const [root, first, second] = reference.split(".")
        const where = `${file.name} ${path}: ${reference}`
        if (root === undefined || builtinRoots.has(root) || iterators.has(root)) continue
        if (root === "var") {
          if (first === undefined || !mod.variables.has(first)) problems.push(`${where} (no such variable)`)
        } else if (root === "local") {
          if (first === undefined || !mod.locals.has(first)) problems.push(`${where} (no such local)`)
        } else if (root === "data") {
          if (first === undefined || second === undefined || mod.data.get(first)?.has(second) !== true) {
            problems.push(`${where} (no such data source)`)
          }
        } else if (root === "ephemeral") {
          if (first === undefined || second === undefined || mod.ephemerals.get(first)?.has(second) !== true) {
            problems.push(`${where} (no such ephemeral resource)`)
          }
        } else if (root === "module") {
          if (first === undefined || !mod.modules.has(first)) problems.push(`${where} (no such module)`)
        } else if (first === undefined || mod.resources.get(root)?.has(first) !== true) {
          problems.push(`${where} (no such resource)`)
        }
      }
    }
  }
  return problems
}

const usedVariables = async (mod: TfModule): Promise<ReadonlySet<string>> => {
  const used = new Set<string>()
  for (const file of mod.files) {
    for (const { expression } of expressions(file.json)) {
      for (const reference of await referencesIn(expression)) {
        const [root, name] = reference.split(".")
        if (root === "var" && name !== undefined) used.add(name)
      }
    }
  }
  return used
}

describe.each(modules)("%s", (name) => {
  it.each(tfFileNames(dirOf(name)))("%s parses", async (file) => {
    const json = await parse(file, readFileSync(join(dirOf(name), file), "utf8"))
    expect(Object.keys(json).length).toBeGreaterThan(0)
  })

  it("every reference (resource, data, ephemeral, var, local, module) resolves to a declaration", async () => {
    expect(await unresolved(await loadModule(dirOf(name)))).toEqual([])
  })

  it("every variable has a type and a description", async () => {
    const mod = await loadModule(dirOf(name))
    const missing = [...mod.variables].flatMap(([variable, body]) => [
      ...(typeof body["type"] === "string" ? [] : [`${variable}: type`]),
      ...(typeof body["description"] === "string" && body["description"].length > 10
        ? []
        : [`${variable}: description`])
    ])
    expect(missing).toEqual([])
  })

  it("every variable is used", async () => {
    const mod = await loadModule(dirOf(name))
    const used = await usedVariables(mod)
    expect([...mod.variables.keys()].filter((variable) => !used.has(variable))).toEqual([])
  })

  it("every output has a description and none exposes a secret value", async () => {
    const mod = await loadModule(dirOf(name))
    for (const [output, body] of mod.outputs) {
      expect(typeof body["description"], output).toBe("string")
      const value = JSON.stringify(body["value"])
      expect(value, output).not.toMatch(/ephemeral\.|secret_string|random_password|\.password\b/)
    }
  })

  it("pins Terraform 1.11+ and one major of the AWS provider, 5.100+ (write-only arguments, ephemeral resources)", async () => {
    const mod = await loadModule(dirOf(name))
    const settings = mod.files.flatMap((file) => blocks(file.json, "terraform"))
    const required = settings.map((body) => body["required_version"]).find((value) => value !== undefined)
    expect(required).toMatch(/>= 1\.11/)
    const providers = settings.flatMap((body) => blocks(body, "required_providers"))
    const aws = providers.map((body) => body["aws"]).find(isObject)
    expect(aws?.["source"]).toBe("hashicorp/aws")
    expect(aws?.["version"]).toBe(awsConstraint)
  })

  it("commits .terraform.lock.hcl: the constraint's one version, its linux_amd64 h1 and every platform's zh hash", async () => {
    const lock = await providerLock(name)
    expect(lock.address).toBe("registry.terraform.io/hashicorp/aws")
    expect(lock.constraints).toBe(awsConstraint)
    expect(lock.version).toMatch(/^5\.\d+\.\d+$/)
    expect(Number(lock.version.split(".")[1])).toBeGreaterThanOrEqual(100)
    expect(lock.hashes).toContain(linuxAmd64Hash)
    // zh: the SHA-256 of each platform's release zip (darwin_arm64's among them): Terraform
    // accepts a downloaded package that matches one, on any operator's machine.
    expect(lock.hashes.filter((hash) => /^zh:[0-9a-f]{64}$/.test(hash)).length).toBeGreaterThanOrEqual(14)
    expect(lock.hashes.filter((hash) => !/^(h1:[A-Za-z0-9+/]{43}=|zh:[0-9a-f]{64})$/.test(hash))).toEqual([])
  })
})

describe("provider lock files", () => {
  it("bootstrap and stack lock the same provider version with the same hashes", async () => {
    expect(await providerLock("bootstrap")).toEqual(await providerLock("stack"))
  })
})

describe("bootstrap layout", () => {
  it("holds the state, the lock and every role GitHub Actions assumes", () => {
    const expected = ["main", "github-oidc", "pipeline-roles", "backend", "variables", "outputs", "versions"]
    const present = new Set(tfFileNames(dirOf("bootstrap")))
    expect(expected.filter((concern) => !present.has(`${concern}.tf`))).toEqual([])
  })
})

describe("stack layout", () => {
  it("has one file per concern", () => {
    const expected = [
      "network",
      "alb",
      "ecs-api",
      "ecs-worker",
      "rds",
      "sqs",
      "iam",
      "logs",
      "metrics-alarms",
      "events",
      "dashboard",
      "autoscaling",
      "ecr",
      "variables",
      "outputs",
      "versions",
      "backend"
    ]
    const present = new Set(tfFileNames(dirOf("stack")))
    expect(expected.filter((concern) => !present.has(`${concern}.tf`))).toEqual([])
    expect(existsSync(join(dirOf("stack"), "terraform.tfvars.example"))).toBe(true)
  })
})

describe.each(
  [
    ["stack", "backend_config", "stack.tfstate"],
    ["bootstrap", "bootstrap_backend_config", "bootstrap.tfstate"]
  ] as const
)("%s configuration", (name, output, stateFile) => {
  it(`uses a partial S3 backend whose settings the bootstrap output ${output} renders, state key <prefix>/${stateFile}`, async () => {
    const mod = await loadModule(dirOf(name))
    const backend = mod.files
      .flatMap((file) => blocks(file.json, "terraform"))
      .map((body) => body["backend"])
      .find(isObject)
    expect(backend === undefined ? [] : Object.keys(backend)).toEqual(["s3"])

    const bootstrap = await loadModule(dirOf("bootstrap"))
    const rendered = String(bootstrap.outputs.get(output)?.["value"])
    const example = readFileSync(join(dirOf(name), "backend.hcl.example"), "utf8")
    const keysOf = (text: string): ReadonlyArray<string> =>
      [...text.matchAll(/^\s*([a-z_]+)\s*=/gm)].map((match) => match[1] ?? "").sort()
    expect(keysOf(example)).toEqual(keysOf(rendered))
    expect(keysOf(example)).toEqual(["bucket", "dynamodb_table", "encrypt", "key", "region"])
    expect(rendered).toContain(`key            = "\${var.name_prefix}/${stateFile}"`)
    expect(example).toContain(`key            = "order-platform/${stateFile}"`)
  })

  it("terraform.tfvars.example sets only declared variables, and every required one", async () => {
    const mod = await loadModule(dirOf(name))
    const example = (await parse(
      "terraform.tfvars",
      readFileSync(join(dirOf(name), "terraform.tfvars.example"), "utf8")
    )) as JsonObject
    const set = Object.keys(example)
    expect(set.filter((key) => !mod.variables.has(key))).toEqual([])
    const required = [...mod.variables].filter(([, body]) => !("default" in body)).map(([key]) => key)
    expect(required.filter((key) => !set.includes(key))).toEqual([])
  })
})

describe("no hard-coded account IDs or secrets", () => {
  const rules: ReadonlyArray<readonly [string, RegExp]> = [
    ["a 12-digit account ID", /(?<![\d.])\d{12}(?![\d.])/],
    ["an ARN with an account ID", /arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{12}:/],
    ["an AWS access key", /\b(AKIA|ASIA)[A-Z0-9]{16}\b/],
    ["a private key", /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
    ["a literal password", /\b(password|master_password|secret_string|token)\s*=\s*"[^"$]/i]
  ]

  it.each(rules)("no %s", (_, pattern) => {
    const found = configFiles().flatMap((path) =>
      readFileSync(path, "utf8")
        .split("\n")
        .flatMap((text, index) => (pattern.test(text) ? [`${path}:${index + 1}: ${text.trim()}`] : []))
    )
    expect(found).toEqual([])
  })
})
