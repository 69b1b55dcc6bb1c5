import { textProblem, type ValidationIssue } from "@order-platform/contract"

const decodeStrictly = (part: string): string | undefined => {
  try {
    return decodeURIComponent(part.replace(/\+/g, " "))
  } catch {
    return undefined
  }
}

const invalidUtf8 = "is not validly percent-encoded UTF-8"

/**
 * The raw query string's parameters that break the text rule. The router decodes the query
 * lossily (invalid UTF-8 becomes U+FFFD), so this reads the URL itself.
 */
export const queryIssues = (url: string): Array<ValidationIssue> => {
  const start = url.indexOf("?")
  if (start === -1) return []
  return url.slice(start + 1).split("&").filter((pair) => pair !== "").flatMap((pair) => {
    const split = pair.indexOf("=")
    const rawName = split === -1 ? pair : pair.slice(0, split)
    const name = decodeStrictly(rawName)
    if (name === undefined) return [{ path: `query.${rawName}`, message: `the parameter name ${invalidUtf8}` }]
    const nameProblem = textProblem(name)
    if (nameProblem !== undefined) {
      return [{ path: `query.${encodeURIComponent(name)}`, message: `the parameter name ${nameProblem}` }]
    }
    const value = decodeStrictly(split === -1 ? "" : pair.slice(split + 1))
    const valueProblem = value === undefined ? invalidUtf8 : textProblem(value)
    return valueProblem === undefined ? [] : [{ path: `query.${name}`, message: valueProblem }]
  })
}
