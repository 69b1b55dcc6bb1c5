import { sharedProject } from "../../vitest.shared.ts"

export default sharedProject("local", { testTimeout: 240_000 })
