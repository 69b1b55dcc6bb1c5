import { describe, expect, it } from "@effect/vitest"
import { Order } from "@order-platform/domain"
import { Schema } from "effect"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { OrderJson } from "../src/index.ts"

const packageRoot = join(import.meta.dirname, "..")

const importedModules = (): Array<string> =>
  readdirSync(join(packageRoot, "src")).flatMap((file) =>
    [...readFileSync(join(packageRoot, "src", file), "utf8").matchAll(/^import .* from "([^"]+)"/gm)].map((m) => m[1]!)
  )

describe("the contract package", () => {
  it("is installable alone: it depends on effect and the domain's schemas, nothing else", () => {
    const manifest = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8"))
    expect(manifest.private).toBeUndefined()
    expect(Object.keys(manifest.dependencies).sort()).toEqual(["@order-platform/domain", "effect"])
    const external = importedModules().filter((module) => !module.startsWith("./"))
    expect(external.length).toBeGreaterThan(0)
    for (const module of external) expect(module).toMatch(/^(effect(\/.*)?|@order-platform\/domain)$/)
  })

  it("shows callers an order without the worker's processing lease", () => {
    const order = new Order({
      id: Schema.decodeSync(Order.fields.id)("6f1c1f7e-2b5e-4c1e-9d55-6b0d6c7a0a11"),
      customerId: Schema.decodeSync(Order.fields.customerId)("customer-1"),
      items: Schema.decodeSync(Order.fields.items)([{ sku: "SKU-1", quantity: 2, unitPriceCents: 150 }]),
      currency: Schema.decodeSync(Order.fields.currency)("EUR"),
      totalCents: 300,
      status: "PROCESSING",
      attempts: 1,
      failureReason: null,
      leaseExpiresAt: new Date("2026-01-01T00:00:30Z"),
      createdAt: new Date("2026-01-01T00:00:00Z"),
      updatedAt: new Date("2026-01-01T00:00:01Z"),
      version: 2
    })
    const json = Schema.encodeSync(Schema.toCodecJson(OrderJson))(order)
    expect(json).not.toHaveProperty("leaseExpiresAt")
    expect(json).toMatchObject({
      id: order.id,
      status: "PROCESSING",
      totalCents: 300,
      createdAt: "2026-01-01T00:00:00.000Z"
    })
  })
})
