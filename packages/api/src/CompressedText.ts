import { promisify } from "node:util"
import { brotliCompress, constants, gzip } from "node:zlib"

export type Encoding = "br" | "gzip" | "identity"

const brotli = promisify(brotliCompress)
const gzipped = promisify(gzip)

const accepts = (header: string, coding: string) =>
  header.split(",").some((part) => {
    const [name, ...parameters] = part.split(";").map((piece) => piece.trim().toLowerCase())
    const quality = parameters.find((parameter) => parameter.startsWith("q="))
    return name === coding && (quality === undefined || Number(quality.slice(2)) > 0)
  })

/** The best encoding the client's Accept-Encoding allows: br, then gzip, else none. */
export const negotiateEncoding = (acceptEncoding: string | undefined): Encoding => {
  if (acceptEncoding === undefined) return "identity"
  if (accepts(acceptEncoding, "br")) return "br"
  if (accepts(acceptEncoding, "gzip")) return "gzip"
  return "identity"
}

/** A fixed body and its compressed forms, each made once, when first asked for. */
export class CompressedText {
  private readonly forms = new Map<Encoding, Promise<Uint8Array>>()
  readonly bytes: Uint8Array
  readonly contentType: string

  constructor(bytes: Uint8Array, contentType: string) {
    this.bytes = bytes
    this.contentType = contentType
  }

  encoded(encoding: Encoding): Promise<Uint8Array> {
    if (encoding === "identity") return Promise.resolve(this.bytes)
    let form = this.forms.get(encoding)
    if (form === undefined) {
      form = encoding === "br"
        // Quality 11 (the default) takes seconds on 2 MB; 6 is within a few percent of its size.
        ? brotli(this.bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 6 } })
        : gzipped(this.bytes, { level: 9 })
      this.forms.set(encoding, form)
    }
    return form
  }
}
