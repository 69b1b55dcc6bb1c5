import { describe, expect, it } from "vitest"
import { imageNodeFlags } from "../src/ImageNodeFlags.ts"
import { taskNodeOptions } from "../src/TaskNodeOptions.ts"

describe("imageNodeFlags", () => {
  it("gives the bench the API image's V8 flags, and the worker's none", () => {
    expect(imageNodeFlags("Dockerfile.api")).toEqual(["--max-semi-space-size=16", "--min-semi-space-size=16"])
    expect(imageNodeFlags("Dockerfile.worker")).toEqual([])
  })
})

describe("taskNodeOptions", () => {
  it("gives the bench the NODE_OPTIONS of the API's task at its default memory, as Terraform's plan test pins them", () => {
    expect(taskNodeOptions("api")).toEqual(["--max-old-space-size=336", "--max-semi-space-size=16"])
  })

  it("gives the bench the NODE_OPTIONS of the worker's task at its default memory, as Terraform's plan test pins them", () => {
    expect(taskNodeOptions("worker")).toEqual(["--max-old-space-size=384"])
  })
})
