export * from "./QueueInspector.ts"
