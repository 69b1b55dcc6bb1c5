import { describe, expect, it } from "@effect/vitest"
import { LogLevelConfig } from "@order-platform/domain"
import { Cause, ConfigProvider, Effect, Exit } from "effect"

const read = (value: string) =>
  Effect.runSyncExit(
    LogLevelConfig.pipe(
      Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnvRecord({ LOG_LEVEL: value }))
    )
  )

describe("LOG_LEVEL", () => {
  it.each([
    ["Trace", "Trace"],
    ["debug", "Debug"],
    ["INFO", "Info"],
    ["Warn", "Warn"],
    ["Warning", "Warn"],
    ["WARNING", "Warn"],
    ["error", "Error"],
    ["Fatal", "Fatal"],
    ["None", "None"],
    ["off", "None"],
    ["All", "All"],
    [" Info ", "Info"]
  ])("reads %j as %s", (value, level) => {
    expect(read(value)).toStrictEqual(Exit.succeed(level))
  })

  it("rejects an unknown name with the accepted values and the value it got", () => {
    const exit = read("verbose")
    expect(Exit.isFailure(exit)).toBe(true)
    const message = Exit.isFailure(exit) ? Cause.pretty(exit.cause) : ""
    expect(message).toContain("LOG_LEVEL")
    expect(message).toContain("\"verbose\"")
    for (const accepted of ["Trace", "Debug", "Info", "Warn", "Warning", "Error", "Fatal", "None", "Off", "All"]) {
      expect(message).toContain(accepted)
    }
    expect(message).toMatch(/any case/)
  })
})
