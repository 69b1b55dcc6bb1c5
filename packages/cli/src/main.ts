#!/usr/bin/env node
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Effect, Layer } from "effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import { runCli } from "./Cli.ts"
import { OutputLive } from "./Output.ts"

runCli(process.argv.slice(2)).pipe(
  Effect.flatMap((exitCode) => Effect.sync(() => void (process.exitCode = exitCode))),
  Effect.provide(Layer.mergeAll(NodeServices.layer, FetchHttpClient.layer, OutputLive)),
  NodeRuntime.runMain({ disableErrorReporting: true })
)
