import { expect, layer } from "@effect/vitest"
import { OrdersApi } from "@order-platform/contract"
import { Effect } from "effect"
import * as HttpApi from "effect/http-api/HttpApi"
import { apiTestServer, ApiUnderTest, rowCounts } from "./ApiTestServer.ts"
import { openBrowserPage } from "./HeadlessChromium.ts"

const contractOperations = () => {
  const operations: Array<string> = []
  HttpApi.reflect(OrdersApi, {
    onGroup: () => undefined,
    onEndpoint: ({ endpoint }) => void operations.push(`${endpoint.method} ${endpoint.path.replace(/:(\w+)/g, "{$1}")}`)
  })
  return operations.sort()
}

// What Swagger UI shows: one block per operation, with its method and path.
const renderedOperations = `[...document.querySelectorAll(".opblock")].map((block) =>
  block.querySelector(".opblock-summary-method")?.textContent + " " +
  block.querySelector(".opblock-summary-path")?.getAttribute("data-path")).sort()`

const order = JSON.stringify({
  customerId: "docs-customer",
  currency: "EUR",
  items: [{ sku: "DOCS-1", quantity: 1, unitPriceCents: 500 }]
})

// As a user does: open POST /orders, "Try it out", type the order (React reads the input event), "Execute".
const tryCreateOrder = `(async () => {
  const block = [...document.querySelectorAll(".opblock-post")]
    .find((candidate) => candidate.querySelector(".opblock-summary-path")?.getAttribute("data-path") === "/orders")
  ;(block.querySelector("button.opblock-summary-control") ?? block.querySelector(".opblock-summary")).click()
  const until = async (find) => {
    for (let tries = 0; tries < 200; tries++) {
      const found = find()
      if (found) return found
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    throw new Error("not rendered: " + find)
  }
  ;(await until(() => block.querySelector(".try-out__btn"))).click()
  const body = await until(() => block.querySelector("textarea.body-param__text"))
  Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, "value").set.call(body, ${JSON.stringify(order)})
  body.dispatchEvent(new Event("input", { bubbles: true }))
  ;(await until(() => block.querySelector(".execute"))).click()
  const status = await until(() => block.querySelector(".live-responses-table tbody .response-col_status"))
  return status.textContent.trim()
})()`

const browserPage = Effect.acquireRelease(
  Effect.promise(() => openBrowserPage()),
  (page) => Effect.promise(() => page.close())
)

layer(apiTestServer("api_docs_browser"), { excludeTestServices: true, timeout: "60 seconds" })(
  "/docs in a browser",
  (it) => {
    it.effect(
      "headless Chromium renders every operation of the contract, and Try it out on POST /orders answers 202",
      () =>
        Effect.gen(function*() {
          const { baseUrl } = yield* ApiUnderTest
          const page = yield* browserPage
          yield* Effect.promise(() => page.navigate(`${baseUrl}/docs`))
          const expected = contractOperations()
          yield* Effect.promise(() =>
            expect.poll(() => page.evaluate<Array<string>>(renderedOperations), { timeout: 45_000, interval: 250 })
              .toEqual(expected)
          )
          const title = yield* Effect.promise(() =>
            page.evaluate<string>(`document.querySelector(".title")?.textContent`)
          )
          expect(title).toContain("Order Platform API")

          const before = yield* rowCounts
          const status = yield* Effect.promise(() => page.evaluate<string>(tryCreateOrder))
          expect(status).toBe("202")
          expect((yield* rowCounts).orders).toBe(before.orders + 1)
        }).pipe(Effect.scoped),
      90_000
    )
  }
)
