import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { apiTestServer, ApiUnderTest, rawRequest, rowCounts } from "./ApiTestServer.ts"
import { sampleInput } from "./Seed.ts"

const json = { "content-type": "application/json" }
const valid = sampleInput() as unknown as Record<string, unknown>

const nestedArrays = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`
const nestedObjects = (depth: number) => `${"{\"a\":".repeat(depth)}null${"}".repeat(depth)}`

const bodies = [5_000, 10_000, 20_000].flatMap((depth) => [
  { name: `${depth}-deep arrays`, body: nestedArrays(depth) },
  { name: `${depth}-deep objects`, body: nestedObjects(depth) },
  {
    name: `${depth}-deep arrays as customerId`,
    body: JSON.stringify({ ...valid, customerId: 0 }).replace("0", nestedArrays(depth))
  },
  {
    name: `${depth}-deep objects as an item`,
    body: JSON.stringify({ ...valid, items: [0] }).replace("[0]", `[${nestedObjects(depth)}]`)
  }
])

// A fresh server per file: the first deep body used to overflow the stack of a cold process. The
// body limit is raised so that 20,000 nested objects (120 KB) are refused for depth, not size.
const server = apiTestServer("api_nesting_depth", { env: { REQUEST_BODY_LIMIT_BYTES: "262144" } })

layer(server, { excludeTestServices: true, timeout: "60 seconds" })("nesting depth", (it) => {
  for (const { body, name } of bodies) {
    it.effect(`${name} → 400 ValidationError naming the depth, nothing written, no ERROR log`, () =>
      Effect.gen(function*() {
        const { logs } = yield* ApiUnderTest
        const before = yield* rowCounts
        const errorsBefore = logs.filter((line) => line["level"] === "ERROR").length
        const response = yield* rawRequest("/orders", { method: "POST", headers: json, body })
        expect(response.status).toBe(400)
        expect(response.body).toMatchObject({ error: "ValidationError", message: expect.stringContaining("nested") })
        expect(yield* rowCounts).toEqual(before)
        expect(logs.filter((line) => line["level"] === "ERROR").length).toBe(errorsBefore)
      }))
  }

  it.effect("nesting at the documented limit is no problem of depth (32 levels reach the schema)", () =>
    Effect.gen(function*() {
      const response = yield* rawRequest("/orders", {
        method: "POST",
        headers: json,
        body: JSON.stringify({ ...valid, customerId: 0 }).replace("0", nestedArrays(31))
      })
      expect(response.status).toBe(400)
      const issues = (response.body as { details: { issues: Array<{ path: string; message: string }> } }).details.issues
      expect(issues.map((issue) => issue.path)).toContain("customerId")
      expect(issues.map((issue) => issue.message).join(" ")).not.toContain("nested")
    }))
})
