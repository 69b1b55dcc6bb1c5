import { Schema } from "effect"
import type { ValidationIssue } from "./HttpErrors.ts"

/**
 * Why `text` cannot be accepted, if it cannot: PostgreSQL text holds no NUL, and a lone surrogate
 * has no UTF-8 form (it would be stored silently altered).
 */
// With the u flag a surrogate pair is one code point, so only a lone surrogate matches.
const loneSurrogate = /[\uD800-\uDFFF]/u

export const textProblem = (text: string): string | undefined =>
  text.includes("\u0000")
    ? "must not contain NUL characters"
    : loneSurrogate.test(text)
    ? "must not contain lone surrogates (not valid Unicode)"
    : undefined

/** The rule every string the contract accepts passes: no NUL, no lone surrogate. */
export const isWellFormedText = Schema.makeFilter<string>((text) => textProblem(text) ?? true, {
  expected: "text without NUL characters or lone surrogates"
})

export const WellFormedString = Schema.String.check(isWellFormedText)

const pathText = (path: ReadonlyArray<string>) => path.length === 0 ? "(root)" : path.join(".")

/**
 * Every string of a parsed JSON body, field names included, for which `problem` has something to
 * say. The body's depth is bounded before this runs, so the recursion is too.
 */
export const stringIssues = (
  value: unknown,
  problem: (text: string) => string | undefined,
  path: ReadonlyArray<string> = []
): Array<ValidationIssue> => {
  if (typeof value === "string") {
    const found = problem(value)
    return found === undefined ? [] : [{ path: pathText(path), message: found }]
  }
  if (value === null || typeof value !== "object") return []
  return Object.entries(value).flatMap(([key, inner]) => {
    const keyProblem = problem(key)
    const here = [...path, key]
    return [
      ...(keyProblem === undefined ? [] : [{ path: pathText(here), message: `field name ${keyProblem}` }]),
      ...stringIssues(inner, problem, here)
    ]
  })
}
