import { createServer, type IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"

/** A span as an OTLP collector receives it, whichever protocol carried it. */
export interface ReceivedSpan {
  readonly serviceName: string
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string | undefined
  readonly name: string
  readonly kind: number
  readonly attributes: Readonly<Record<string, unknown>>
  readonly links: ReadonlyArray<{ readonly traceId: string; readonly spanId: string }>
  /** `application/x-protobuf` or `application/json`. */
  readonly contentType: string
  /** The headers of the export that carried it. */
  readonly headers: Readonly<Record<string, string | Array<string> | undefined>>
}

export interface OtlpReceiver {
  /** The base URL, for OTEL_EXPORTER_OTLP_ENDPOINT (spans are posted to `/v1/traces`). */
  readonly endpoint: string
  readonly spans: () => ReadonlyArray<ReceivedSpan>
  readonly close: () => Promise<void>
}

// ---- protobuf: just enough of the wire format for opentelemetry/proto/trace/v1 ----------------

type Field = { readonly number: number; readonly varint?: bigint; readonly bytes?: Uint8Array; readonly fixed?: Buffer }

const readVarint = (buffer: Uint8Array, at: { offset: number }): bigint => {
  let result = 0n
  let shift = 0n
  for (;;) {
    const byte = buffer[at.offset++]!
    result |= BigInt(byte & 0x7f) << shift
    if ((byte & 0x80) === 0) return result
    shift += 7n
  }
}

const fieldsOf = (buffer: Uint8Array): Array<Field> => {
  const fields: Array<Field> = []
  const at = { offset: 0 }
  while (at.offset < buffer.length) {
    const key = Number(readVarint(buffer, at))
    const number = key >>> 3
    switch (key & 7) {
      case 0:
        fields.push({ number, varint: readVarint(buffer, at) })
        break
      case 1:
        fields.push({ number, fixed: Buffer.from(buffer.subarray(at.offset, at.offset + 8)) })
        at.offset += 8
        break
      case 2: {
        const length = Number(readVarint(buffer, at))
        fields.push({ number, bytes: buffer.subarray(at.offset, at.offset + length) })
        at.offset += length
        break
      }
      case 5:
        at.offset += 4
        break
      default:
        throw new Error(`unsupported protobuf wire type ${key & 7}`)
    }
  }
  return fields
}

const all = (fields: ReadonlyArray<Field>, number: number) => fields.filter((field) => field.number === number)
const one = (fields: ReadonlyArray<Field>, number: number) => fields.find((field) => field.number === number)
const text = (field: Field | undefined) => field?.bytes === undefined ? "" : Buffer.from(field.bytes).toString("utf8")
const hex = (field: Field | undefined) =>
  field?.bytes === undefined || field.bytes.length === 0 ? undefined : Buffer.from(field.bytes).toString("hex")

const anyValueOf = (bytes: Uint8Array | undefined): unknown => {
  if (bytes === undefined) return undefined
  const fields = fieldsOf(bytes)
  const first = fields[0]
  if (first === undefined) return undefined
  switch (first.number) {
    case 1:
      return text(first)
    case 2:
      return first.varint === 1n
    case 3:
      return Number(BigInt.asIntN(64, first.varint ?? 0n))
    case 4:
      return first.fixed?.readDoubleLE(0)
    default:
      return undefined
  }
}

const protobufAttributes = (fields: ReadonlyArray<Field>, number: number): Record<string, unknown> =>
  Object.fromEntries(
    all(fields, number).map((field) => {
      const keyValue = fieldsOf(field.bytes!)
      return [text(one(keyValue, 1)), anyValueOf(one(keyValue, 2)?.bytes)]
    })
  )

const decodeProtobuf = (body: Uint8Array, contentType: string): Array<Omit<ReceivedSpan, "headers">> =>
  all(fieldsOf(body), 1).flatMap((resourceSpans) => {
    const fields = fieldsOf(resourceSpans.bytes!)
    const resource = one(fields, 1)
    const serviceName = String(
      protobufAttributes(resource === undefined ? [] : fieldsOf(resource.bytes!), 1)["service.name"] ?? ""
    )
    return all(fields, 2).flatMap((scopeSpans) =>
      all(fieldsOf(scopeSpans.bytes!), 2).map((spanField): Omit<ReceivedSpan, "headers"> => {
        const span = fieldsOf(spanField.bytes!)
        return {
          serviceName,
          traceId: hex(one(span, 1)) ?? "",
          spanId: hex(one(span, 2)) ?? "",
          parentSpanId: hex(one(span, 4)),
          name: text(one(span, 5)),
          kind: Number(one(span, 6)?.varint ?? 0n),
          attributes: protobufAttributes(span, 9),
          links: all(span, 13).map((link) => {
            const linkFields = fieldsOf(link.bytes!)
            return { traceId: hex(one(linkFields, 1)) ?? "", spanId: hex(one(linkFields, 2)) ?? "" }
          }),
          contentType
        }
      })
    )
  })

// ---- JSON ------------------------------------------------------------------------------------

interface JsonKeyValue {
  readonly key: string
  readonly value: Readonly<Record<string, unknown>>
}

const jsonValue = (value: Readonly<Record<string, unknown>>): unknown =>
  "stringValue" in value
    ? value["stringValue"]
    : "boolValue" in value
    ? value["boolValue"]
    : "intValue" in value
    ? Number(value["intValue"])
    : value["doubleValue"]

const jsonAttributes = (attributes: ReadonlyArray<JsonKeyValue> | undefined) =>
  Object.fromEntries((attributes ?? []).map(({ key, value }) => [key, jsonValue(value)]))

interface JsonSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
  readonly kind: number
  readonly attributes?: ReadonlyArray<JsonKeyValue>
  readonly links?: ReadonlyArray<{ readonly traceId: string; readonly spanId: string }>
}

interface JsonTraces {
  readonly resourceSpans: ReadonlyArray<{
    readonly resource?: { readonly attributes?: ReadonlyArray<JsonKeyValue> }
    readonly scopeSpans: ReadonlyArray<{ readonly spans: ReadonlyArray<JsonSpan> }>
  }>
}

const decodeJson = (body: Uint8Array, contentType: string): Array<Omit<ReceivedSpan, "headers">> =>
  (JSON.parse(Buffer.from(body).toString("utf8")) as JsonTraces).resourceSpans.flatMap((resourceSpans) => {
    const serviceName = String(jsonAttributes(resourceSpans.resource?.attributes)["service.name"] ?? "")
    return resourceSpans.scopeSpans.flatMap((scope) =>
      scope.spans.map((span): Omit<ReceivedSpan, "headers"> => ({
        serviceName,
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId === undefined || span.parentSpanId === "" ? undefined : span.parentSpanId,
        name: span.name,
        kind: span.kind,
        attributes: jsonAttributes(span.attributes),
        links: (span.links ?? []).map((link) => ({ traceId: link.traceId, spanId: link.spanId })),
        contentType
      }))
    )
  })

const bodyOf = (request: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => resolve(Buffer.concat(chunks)))
    request.on("error", reject)
  })

/**
 * A minimal OTLP/HTTP traces collector on 127.0.0.1: it accepts `POST /v1/traces` in both
 * protocols (protobuf and JSON), decodes the spans and keeps them for the test to read.
 */
export const startOtlpReceiver = async (): Promise<OtlpReceiver> => {
  const received: Array<ReceivedSpan> = []
  const server = createServer((request, response) => {
    void bodyOf(request).then((body) => {
      const contentType = (request.headers["content-type"] ?? "").split(";")[0]!.trim()
      if (request.method !== "POST" || request.url !== "/v1/traces") {
        response.writeHead(404).end()
        return
      }
      try {
        const spans = contentType === "application/json"
          ? decodeJson(body, contentType)
          : decodeProtobuf(body, contentType)
        received.push(...spans.map((span) => ({ ...span, headers: request.headers })))
        response.writeHead(200, { "content-type": contentType }).end(contentType === "application/json" ? "{}" : "")
      } catch (error) {
        response.writeHead(400).end(String(error))
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans: () => [...received],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
