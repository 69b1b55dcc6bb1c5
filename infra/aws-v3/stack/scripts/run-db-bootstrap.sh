#!/usr/bin/env bash
# Runs the db-bootstrap task (db-app-role.tf) once and fails unless it exits 0: Terraform's
# local-exec for terraform_data.db_app_role, so the services start only after the application
# role exists. Needs the AWS CLI and credentials allowed to run the task (an operator's, or the
# pipeline's apply role). Inputs come from the environment Terraform sets.
set -euo pipefail
: "${CLUSTER:?}" "${TASK_DEFINITION:?}" "${SUBNETS:?}" "${SECURITY_GROUP:?}" "${ASSIGN_PUBLIC_IP:?}" "${LOG_GROUP:?}"

task=$(aws ecs run-task --cluster "$CLUSTER" --task-definition "$TASK_DEFINITION" \
  --launch-type FARGATE --started-by terraform-db-bootstrap \
  --network-configuration "awsvpcConfiguration={subnets=[$SUBNETS],securityGroups=[$SECURITY_GROUP],assignPublicIp=$ASSIGN_PUBLIC_IP}" \
  --query 'tasks[0].taskArn' --output text)
if [[ -z "$task" || "$task" == "None" ]]; then
  echo "db-bootstrap: the task did not start (aws ecs run-task returned no task)" >&2
  exit 1
fi
echo "db-bootstrap: started $task; waiting for it to stop"

# tasks-stopped polls every 6 s, 100 times: 10 minutes (an image pull and psql take about one).
aws ecs wait tasks-stopped --cluster "$CLUSTER" --tasks "$task"

read -r exit_code reason < <(aws ecs describe-tasks --cluster "$CLUSTER" --tasks "$task" \
  --query 'tasks[0].[containers[0].exitCode, stoppedReason]' --output text)
if [[ "$exit_code" != "0" ]]; then
  echo "db-bootstrap: failed (exit code $exit_code: $reason). Its output: aws logs tail $LOG_GROUP --since 1h" >&2
  exit 1
fi
echo "db-bootstrap: the application role is in place"
