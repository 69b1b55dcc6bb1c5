-- The application role, created by the master user (the db-bootstrap task, run by Terraform before
-- the services start). Idempotent: every apply that replaces the task runs it again.
-- The role's name comes from the session setting order_platform.app_role (PGOPTIONS), so this
-- file is plain SQL that any client can run as it is.
DO $bootstrap$
DECLARE
  app_role text := current_setting('order_platform.app_role');
  object record;
BEGIN
  IF app_role IS NULL OR app_role = '' THEN
    RAISE EXCEPTION 'set order_platform.app_role (PGOPTIONS=-c order_platform.app_role=<role>)';
  END IF;

  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = app_role) THEN
    EXECUTE format('CREATE ROLE %I LOGIN', app_role);
    RAISE NOTICE 'created role %', app_role;
  END IF;

  -- On RDS: the role logs in with IAM authentication tokens only (no password is ever set).
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'rds_iam') THEN
    EXECUTE format('GRANT rds_iam TO %I', app_role);
  END IF;

  -- The master user becomes a member: it can hand the role its objects (below) and, for
  -- break-glass work, act on them. PostgreSQL 16 asks for SET explicitly.
  IF current_setting('server_version_num')::int >= 160000 THEN
    EXECUTE format('GRANT %I TO CURRENT_USER WITH INHERIT TRUE, SET TRUE', app_role);
  ELSE
    EXECUTE format('GRANT %I TO CURRENT_USER', app_role);
  END IF;

  EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', current_database(), app_role);
  -- The API migrates at start-up: it creates its tables in public and owns them.
  EXECUTE format('GRANT USAGE, CREATE ON SCHEMA public TO %I', app_role);

  -- A stack from before the application role: the master user created the tables; hand them
  -- (and their sequences and indexes, which follow the table) to the role that migrates them now.
  FOR object IN
    SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
      AND pg_get_userbyid(c.relowner) <> app_role
      AND NOT (c.relkind = 'S' AND EXISTS (
        SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')
      ))
  LOOP
    EXECUTE format(
      'ALTER %s %I OWNER TO %I',
      CASE object.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
      object.relname,
      app_role
    );
    RAISE NOTICE 'handed % to %', object.relname, app_role;
  END LOOP;
END
$bootstrap$;
