"""Runs a claimflow engine plan on Spark (an AWS Glue job, or spark-submit anywhere).

The runner holds no business logic: every mapping, rule, dedupe step and aggregation is SQL
in the plan, compiled by the TypeScript rule catalog (see docs/spark-plan.md). It reads the
input file as text, numbers its rows in file order, keeps the rows that do not parse,
registers the reference lists, then runs the statements in order and writes their outputs.

    spark-submit glue/run_plan.py --plan s3://bucket/temp/<job_id>/plan.json --job_id <job_id>
"""

import argparse
import json
import sys

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

PLAN_VERSION = 2
RAW_LINE = "_raw_line"
# Spark does not say why a record did not parse; DuckDB's reader names the error.
MALFORMED = "MALFORMED RECORD"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--plan", required=True, help="location of the plan JSON")
    parser.add_argument("--job_id", required=True, help="the claimflow job id the plan belongs to")
    # Glue passes arguments of its own (--JOB_ID, --JOB_RUN_ID, ...).
    args, _ = parser.parse_known_args(argv)
    return args


def read_plan(spark: SparkSession, path: str, job_id: str) -> dict:
    text = spark.read.text(path, wholetext=True).first()[0]
    plan = json.loads(text)
    if plan.get("version") != PLAN_VERSION:
        raise ValueError(f"plan version {plan.get('version')}, this runner reads {PLAN_VERSION}")
    if plan.get("dialect") != "spark":
        raise ValueError(f"plan in the {plan.get('dialect')} dialect, this runner runs spark")
    if plan.get("job_id") != job_id:
        raise ValueError(f"plan of job {plan.get('job_id')}, not {job_id}")
    return plan


def column(name: str):
    """A column by its exact name (dots and spaces are not paths)."""
    return F.col("`" + name.replace("`", "``") + "`")


def read_input(spark: SparkSession, source: dict) -> DataFrame:
    """
    The file as text columns named by position (`view_columns`), malformed records kept with their
    raw line, numbered from 1 in file order. No name from the file is resolved after the read, so a
    header or key named like an internal column, or like another but for case, is plain data.
    """
    if source["compression"] == "gzip" and not source["path"].lower().endswith(".gz"):
        raise ValueError("the input is gzip but its name does not end in .gz: Spark decompresses by name")
    columns = source["view_columns"]
    # CSV fields are matched to the schema by position, JSON ones by key.
    fields = columns if source["format"] == "csv" else source["columns"]
    # The reader's column for a record that does not parse: a name no key of the file has.
    corrupt = RAW_LINE
    while corrupt.lower() in {f.lower() for f in fields}:
        corrupt = "_" + corrupt
    schema = StructType([StructField(c, StringType()) for c in fields + [corrupt]])
    reader = spark.read.schema(schema).options(mode="PERMISSIVE", columnNameOfCorruptRecord=corrupt)
    if source["format"] == "csv":
        # Every field is parsed, so a record with too many or too few fields is malformed.
        spark.conf.set("spark.sql.csv.parser.columnPruning.enabled", "false")
        rows = reader.csv(source["path"], header=True, sep=source["delimiter"], quote='"', escape='"')
    else:
        rows = reader.json(source["path"], multiLine=source["format"] == "json")
    # Renamed by position (toDF), never looked up by the file's names.
    rows = rows.toDF(*columns, RAW_LINE)
    malformed = column(RAW_LINE).isNotNull()
    return number_rows(rows).select(
        *[F.when(~malformed, column(c)).alias(c) for c in columns],
        RAW_LINE,
        "_row_number",
        F.when(malformed, F.lit(MALFORMED)).alias("_ingest_error"),
    )


def number_rows(rows: DataFrame) -> DataFrame:
    """
    `_row_number`, 1-based in file order: zipWithIndex's method (count each partition, then
    offset it by the partitions before) on the JVM, so the rows never pass through Python.
    A partition of a file read is a byte range, in order, and is the same on every read.
    """
    tagged = rows.select(
        "*",
        F.spark_partition_id().alias("_partition"),
        F.monotonically_increasing_id().alias("_position"),
    )
    sizes = dict(tagged.groupBy("_partition").count().collect())
    offsets, total = [], 0
    for partition in range(max(sizes, default=0) + 1):
        offsets.append(F.lit(total).cast("long"))
        total += sizes.get(partition, 0)
    # monotonically_increasing_id() is the partition id in the upper 31 bits and the record's
    # position within its partition in the lower 33.
    within = F.col("_position") - F.shiftleft(F.col("_partition").cast("long"), 33)
    offset = F.element_at(F.array(*offsets), F.col("_partition") + 1)
    return tagged.withColumn("_row_number", within + offset + 1).drop("_partition", "_position")


def write(frame: DataFrame, output: dict) -> None:
    if output["format"] == "json":
        # Small results (counts, samples): one file, NULL fields kept.
        frame = frame.coalesce(1)
    writer = frame.write.mode("overwrite")
    if output["format"] == "json":
        writer = writer.option("ignoreNullFields", "false")
    if output.get("partition_by"):
        writer = writer.partitionBy(*output["partition_by"])
    writer.format(output["format"]).save(output["path"])


def run(spark: SparkSession, plan: dict) -> None:
    for key, value in plan["settings"].items():
        spark.conf.set(key, value)
    source = plan["input"]
    read_input(spark, source).createOrReplaceTempView(source["view"])
    for name, path in plan["code_sets"].items():
        spark.read.csv(path, header=True, quote='"', escape='"').createOrReplaceTempView(name)
    for statement in plan["statements"]:
        frame = spark.sql(statement["sql"])
        if statement.get("persist"):
            frame = frame.persist(StorageLevel.MEMORY_AND_DISK)
        frame.createOrReplaceTempView(statement["name"])
        if statement.get("output"):
            write(frame, statement["output"])


def main(argv) -> None:
    args = parse_args(argv)
    spark = SparkSession.builder.appName(f"claimflow-{args.job_id}").getOrCreate()
    try:
        run(spark, read_plan(spark, args.plan, args.job_id))
    finally:
        spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
