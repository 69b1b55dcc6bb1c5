/**
 * @order-platform/dev-services: finds or starts PostgreSQL and the SQS emulator for tests, the
 * local launcher and benchmarks. Nothing starts and no process hook is installed on import.
 * The vitest globalSetups live in `./postgresGlobalSetup.ts` and `./chromiumGlobalSetup.ts` (referenced
 * by path, not exported here).
 */
export * from "./ChildExit.ts"
export * from "./Chromium.ts"
export {
  assertTraversable,
  type DataDirectoryState,
  inspectDataDirectory,
  isRoot,
  lookupOsUser,
  type OsUser,
  runningPostmasterPid
} from "./DataDirectory.ts"
export * from "./EffectResources.ts"
export * from "./EmbeddedPostgres.ts"
export * from "./Errors.ts"
export * from "./FreePort.ts"
export * from "./OtlpReceiver.ts"
export * from "./PollUntil.ts"
export * from "./PostgresForTests.ts"
export * from "./PostgresUrl.ts"
export * from "./ProcessTable.ts"
export * from "./PrometheusText.ts"
export * from "./RunCommand.ts"
export * from "./SqsEmulator.ts"
export * from "./StartEmbeddedPostgres.ts"
export * from "./WatchedProcess.ts"
