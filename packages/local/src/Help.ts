/** `npm start -- --help`: answered without starting anything. */
export const helpText = `npm start: runs the order platform on this machine (API, worker, PostgreSQL, SQS emulator).

  npm start                 the programs from their TypeScript sources
  npm start -- --bundled    their bundles, as the images run them (built first: npm run bundle)

Launcher variables (every other variable is passed on to the programs; see README "Configuration"):
  PORT                  API port (default 8080)
  API_HOST              the API's interface (default 127.0.0.1: this machine only; 0.0.0.0: every one)
  LOCAL_DATA_DIR        where the embedded PostgreSQL and the emulator keep their data (default .data)
  LOCAL_POSTGRES_PORT   embedded PostgreSQL port, on 127.0.0.1 (default 54329)
  LOCAL_SQS_PORT        SQS emulator port, on 127.0.0.1 (default 9324)
  ADMIN_PORT            the worker's /health/live and /metrics, on 127.0.0.1 (default 9090)
  METRICS_INTERVAL_SECONDS  EMF metric lines on the console every so many seconds (default 0: none)
  WORKER_MODE           sqs-consumer (default) or outbox (no queue)
  DATABASE_URL          use this PostgreSQL instead of the embedded one
  SQS_QUEUE_URL         use this queue instead of the emulator (with SQS_ENDPOINT, AWS_REGION)
  ADMIN_TOKEN           bearer token of the admin routes (/dlq); unset: one is made up and printed
  LOG_LEVEL             Trace, Debug, Info (default), Warn or Warning, Error, Fatal, None or Off

Ctrl-C (or SIGTERM) stops everything in order and keeps the data folder.
`
