import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { ADMIN_TOKEN, apiTestServer, ApiUnderTest } from "../../api/test/ApiTestServer.ts"
import { createAndGet } from "../examples/CreateAndGet.ts"

layer(apiTestServer("contract_example"), { excludeTestServices: true, timeout: "60 seconds" })(
  "the README's client example",
  (it) => {
    it.effect("creates an order, reads it back and reads the admin statistics, against the real API", () =>
      Effect.gen(function*() {
        const { baseUrl } = yield* ApiUnderTest
        const { order, stats } = yield* createAndGet(baseUrl, ADMIN_TOKEN)
        expect(order).toMatchObject({ status: "PENDING", totalCents: 3_000, currency: "EUR", customerId: "example" })
        expect(stats?.ordersByStatus.PENDING).toBe(1)
      }))
  }
)
