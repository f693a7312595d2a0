"""Imports the DAG folder with Airflow's DagBag and prints, as JSON, what the test asserts on."""

import json
import sys

from airflow.models.dagbag import DagBag

bag = DagBag(dag_folder=sys.argv[1], include_examples=False)
dag = bag.get_dag(sys.argv[2])
print(
    json.dumps(
        {
            "import_errors": {str(k): str(v) for k, v in bag.import_errors.items()},
            "dag_ids": sorted(bag.dag_ids),
            "schedule": str(dag.timetable.summary) if dag else None,
            "catchup": dag.catchup if dag else None,
            "max_active_runs": dag.max_active_runs if dag else None,
            "tasks": {
                t.task_id: {
                    "operator": type(t).__name__,
                    "downstream": sorted(t.downstream_task_ids),
                    "depends_on_past": t.depends_on_past,
                    "retries": t.retries,
                    "retry_exponential_backoff": bool(t.retry_exponential_backoff),
                    "conn_id": t._conn_id,
                    "application": t.application,
                    "application_args": list(t.application_args),
                    "properties_file": t.properties_file,
                }
                for t in (dag.tasks if dag else [])
            },
        }
    )
)
