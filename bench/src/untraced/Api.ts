/**
 * The API program built without its tracing layer at all: the benchmark's baseline for tracing
 * off (no OTEL endpoint), which builds the layer and finds nothing to export. SIGTERM ends it
 * as it ends the real program.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { launchApiProgram, makeApiProgram } from "@order-platform/api"
import { cleanExitOnInterrupt } from "./CleanExit.ts"

NodeRuntime.runMain(launchApiProgram(makeApiProgram({ tracing: false })), { teardown: cleanExitOnInterrupt })
