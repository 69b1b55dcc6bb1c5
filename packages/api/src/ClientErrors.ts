import type * as Http from "node:http"
import type { Duplex } from "node:stream"

const answers: Record<string, readonly [status: string, error: string, message: string]> = {
  HPE_HEADER_OVERFLOW: ["431 Request Header Fields Too Large", "HeadersTooLarge", "the request headers are too large"],
  ERR_HTTP_REQUEST_TIMEOUT: ["408 Request Timeout", "RequestTimeout", "the request was not received in time"]
}
const badRequest = ["400 Bad Request", "BadRequest", "the request is not valid HTTP"] as const

const answerAndClose = (socket: Duplex, [status, code, message]: readonly [string, string, string]) => {
  const body = JSON.stringify({ error: code, message })
  socket.end(
    `HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `x-correlation-id: ${crypto.randomUUID()}\r\nconnection: close\r\n\r\n${body}`
  )
}

/**
 * Requests Node's HTTP parser rejects never reach the application; answer them in the same
 * `{ error, message }` JSON shape (with a fresh correlation id) instead of Node's bare default.
 * CONNECT never reaches it either: without this, Node closes the connection without a word.
 */
export const answerClientErrorsAsJson = (server: Http.Server) =>
  server
    .on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
      if (error.code === "ECONNRESET" || !socket.writable) {
        socket.destroy()
        return
      }
      answerAndClose(socket, answers[error.code ?? ""] ?? badRequest)
    })
    .on("connect", (_request: Http.IncomingMessage, socket: Duplex) => {
      answerAndClose(socket, ["501 Not Implemented", "NotImplemented", "CONNECT is not supported: this is not a proxy"])
    })
