import { describe, expect, it } from "vitest"
import { imageNodeFlags } from "../src/ImageNodeFlags.ts"

describe("imageNodeFlags", () => {
  it("gives the bench the API image's V8 flags, and the worker's none", () => {
    expect(imageNodeFlags("Dockerfile.api")).toEqual(["--max-semi-space-size=16"])
    expect(imageNodeFlags("Dockerfile.worker")).toEqual([])
  })
})
