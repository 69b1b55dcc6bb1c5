import { sharedProject } from "../vitest.shared.ts"

export default sharedProject("bench", { testTimeout: 300_000 })
