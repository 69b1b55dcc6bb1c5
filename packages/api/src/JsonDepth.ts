/**
 * The deepest nesting of arrays and objects a JSON body may have. Our deepest payload needs 3
 * (order → items → item); the rest is room for clients, not for stack-eating bodies.
 */
export const MAX_JSON_DEPTH = 32

/**
 * Whether the JSON text nests arrays or objects deeper than `maximum`, found by a flat scan of
 * the text (brackets inside strings do not count), so a hostile body is refused before anything
 * recursive (the parser, the decoder, error formatting) walks it.
 */
export const nestsDeeperThan = (text: string, maximum: number): boolean => {
  let depth = 0
  let inString = false
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (inString) {
      if (code === 0x5C) index++
      else if (code === 0x22) inString = false
    } else if (code === 0x22) {
      inString = true
    } else if (code === 0x5B || code === 0x7B) {
      if (++depth > maximum) return true
    } else if (code === 0x5D || code === 0x7D) {
      depth--
    }
  }
  return false
}
