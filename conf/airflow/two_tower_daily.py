"""The two-tower pipeline, once a day for the run's logical date ({{ ds }}).

ingest -> features -> sampling -> train -> evaluate -> export, each a spark-submit of the shaded jar
(``two-tower <stage> --date {{ ds }}``). Days run in order (max_active_runs=1) and a day's training
waits for the day before's (depends_on_past): ``train --date D`` continues from the model trained
through D-1, so days must not train out of order. catchup=True: a DAG switched on after its start
date runs every missed day, oldest first, which is also how a history is backfilled.

Where things are comes from Airflow, not from this file (README, "Airflow"):

- connection ``two_tower_spark`` (type spark): the master in host (``local[2]``, ``yarn``,
  ``spark://host`` with the port), deploy mode in extra (``{"deploy-mode": "client"}``);
  ``spark-submit`` must be on the worker's PATH;
- variables (defaults for a checkout at TWO_TOWER_HOME, by default the folder above conf/):
  ``two_tower_jar``, ``two_tower_config``, ``two_tower_data_dir``, ``two_tower_properties_file``,
  ``two_tower_log4j2``, ``two_tower_packages``.

They are read when a task runs (Jinja templates), never while the DAG file is parsed.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pendulum
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk import DAG

DAG_ID = "two_tower_daily"
SPARK_CONN_ID = "two_tower_spark"
STAGES = ["ingest", "features", "sampling", "train", "evaluate", "export"]

# Defaults of the variables: a checkout whose conf/airflow/ holds this file.
HOME = Path(os.environ.get("TWO_TOWER_HOME", Path(__file__).resolve().parents[2]))
VARIABLES = {
    "two_tower_jar": HOME / "spark-jobs/target/two-tower-jobs.jar",
    "two_tower_config": HOME / "conf/local.conf",
    "two_tower_data_dir": HOME / "data",
    "two_tower_properties_file": HOME / "conf/spark-defaults.conf",
    "two_tower_log4j2": HOME / "conf/log4j2.properties",
    # The jar leaves Delta to the cluster, like Spark itself.
    "two_tower_packages": "io.delta:delta-spark_2.12:3.3.2",
}


def var(name: str) -> str:
    """A template reading Variable ``name`` at run time, with its default."""
    return "{{ var.value.get('%s', '%s') }}" % (name, VARIABLES[name])


def submit(stage: str, **kwargs) -> SparkSubmitOperator:
    return SparkSubmitOperator(
        task_id=stage,
        conn_id=SPARK_CONN_ID,
        application=var("two_tower_jar"),
        java_class="io.twotower.jobs.TwoTowerCli",
        packages=var("two_tower_packages"),
        properties_file=var("two_tower_properties_file"),
        # Only the log4j2 file here: the properties file's defaultJavaOptions (Java 17's opens,
        # DL4J's clock, ND4J's off-heap limits) stay, as extraJavaOptions add to them.
        conf={
            "spark.driver.extraJavaOptions": "-Dlog4j2.configurationFile="
            + var("two_tower_log4j2")
        },
        # A local[N] master trains in the driver: one OpenMP thread per task, as on executors.
        env_vars={"OMP_NUM_THREADS": "1"},
        name=f"two-tower-{stage}-{{{{ ds }}}}",
        application_args=[
            stage,
            "--config",
            var("two_tower_config"),
            "--data-dir",
            var("two_tower_data_dir"),
            "--date",
            "{{ ds }}",
        ],
        **kwargs,
    )


with DAG(
    dag_id=DAG_ID,
    description="Daily two-tower retrieval: ingest, features, sampling, train, evaluate, export",
    schedule="@daily",
    # The first day of the log; every day from it is run (catchup) before the daily schedule.
    start_date=pendulum.parse(os.environ.get("TWO_TOWER_START_DATE", "2026-01-01"), tz="UTC"),
    catchup=True,
    max_active_runs=1,
    default_args={
        "owner": "two-tower",
        # Transient failures (a lost executor, a busy cluster): retry after about 5, 10, 20 minutes
        # (doubling, with Airflow's jitter), never more than an hour apart.
        "retries": 3,
        "retry_delay": timedelta(minutes=5),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(hours=1),
    },
    tags=["two-tower", "spark"],
) as dag:
    tasks = {stage: submit(stage) for stage in STAGES if stage != "train"}
    # Day D's model continues from day D-1's: never train D before D-1 has trained.
    tasks["train"] = submit("train", depends_on_past=True)
    for upstream, downstream in zip(STAGES, STAGES[1:]):
        tasks[upstream] >> tasks[downstream]
