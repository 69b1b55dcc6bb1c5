export * from "./Fixtures.ts"
export * from "./PortContractSuite.ts"
