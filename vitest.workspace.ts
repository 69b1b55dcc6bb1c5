export default [
  "packages/domain",
  "packages/postgres",
  "packages/sqs",
  "packages/contract",
  "packages/observability",
  "packages/api",
  "packages/worker",
  "packages/cli",
  "packages/dev-services",
  "packages/local",
  "infra/aws-v3",
  "bench",
  "deploy"
]
