import { Schema } from "effect"
import * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import * as HttpApiSchema from "effect/http-api/HttpApiSchema"
import * as OpenApi from "effect/http-api/OpenApi"
import { ErrorBodies } from "./ErrorBodies.ts"

export const LiveStatus = Schema.Struct({ status: Schema.Literal("live") }).annotate({ identifier: "LiveStatus" })

export const ReadyStatus = Schema.Struct({
  status: Schema.Literal("ready"),
  schemaVersion: Schema.Int.annotate({ description: "Highest applied migration" })
}).annotate({ identifier: "ReadyStatus" })

export class HealthGroup extends HttpApiGroup.make("health")
  .add(
    HttpApiEndpoint.get("live", "/health/live", { success: LiveStatus })
      .annotate(OpenApi.Summary, "The process is up (never touches the database)"),
    HttpApiEndpoint.get("ready", "/health/ready", {
      success: ReadyStatus,
      error: ErrorBodies.NotReady.pipe(HttpApiSchema.status(503))
    })
      .annotate(OpenApi.Summary, "The database answers and its schema is current")
  )
  .annotate(OpenApi.Description, "Probes for load balancers and orchestrators")
{}
