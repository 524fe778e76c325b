package dev.rankwise.spark;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The batch-scoring job: reads JSON lines of {@code {"task": ..., "text": ...}} (other fields are
 * kept), scores every row with the adapters of a folder (which names its tasks and labels), and
 * writes JSON lines with {@code label} and {@code probability} added. Runs under {@code spark-submit --master URL}, or alone with
 * {@code --master local[2]}.
 */
@Command(name = "rankwise-spark", mixinStandardHelpOptions = true,
    description = "Score (task, text) rows on Spark with a frozen all-MiniLM-L6-v2 and saved task adapters;"
        + " writes the rows with label and probability added, as JSON lines.")
public final class ScoreJob implements Callable<Integer> {

  /** Exit code of a usage error or bad input, as the rankwise command line. */
  public static final int USER_ERROR = 2;

  @Option(names = "--master", paramLabel = "URL",
      description = "Spark master, such as local[2] or spark://host:7077 (default: spark-submit's).")
  String master;

  @Option(names = "--input", required = true, paramLabel = "PATH",
      description = "JSON lines, one {\"task\": ..., \"text\": ...} object per line (a file or folder).")
  String input;

  @Option(names = "--adapters", required = true, paramLabel = "DIR",
      description = "The adapter folder on the driver (it names its tasks and labels); shipped to the executors.")
  Path adapters;

  @Option(names = "--output", required = true, paramLabel = "DIR",
      description = "Folder for the scored rows (JSON lines); must not exist.")
  String output;

  @Option(names = "--max-length", paramLabel = "N",
      description = "Tokens per text (default: as many as the adapters were trained with, as rankwise predict).")
  Integer maxLength;

  @Option(names = "--base", paramLabel = "FOLDER",
      description = "The Hugging Face model folder the adapters were trained on, at a path every executor can"
          + " read; not needed for a shipped base, which the adapter folder names.")
  String base;

  @Option(names = "--batch-size", paramLabel = "N", defaultValue = "32",
      description = "Rows per forward pass. Default: ${DEFAULT-VALUE}.")
  int batchSize;

  // mixed by measurement (docs/spark-benchmark.md): never clearly slower than merged on warm models,
  // faster cold, no sort, and the same print as predict.
  @Option(names = "--strategy", paramLabel = "NAME", defaultValue = "mixed",
      description = "mixed (mixed-task batches, each row routed to its task's adapters) or merged (rows"
          + " sorted by task, each task with its adapters merged). Default: ${DEFAULT-VALUE}.")
  String strategy;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
      description = "PyTorch intra-op threads per task slot; with k slots per executor, k x N should not"
          + " exceed its cores. Default: ${DEFAULT-VALUE}.")
  int threads;

  @Option(names = "--partitions", paramLabel = "N",
      description = "Partitions to score in, rows spread round-robin; 0 keeps the input's"
          + " (default: Spark's default parallelism).")
  Integer partitions;

  @Option(names = "--verbose", description = "Print stack traces of errors.")
  boolean verbose;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the job; returns the exit code: 0 success, 1 internal failure, 2 usage error or bad input. */
  public static int run(String... args) {
    CommandLine line = new CommandLine(new ScoreJob());
    line.setExecutionExceptionHandler((e, cmd, parsed) -> {
      boolean verbose = ((ScoreJob) cmd.getCommand()).verbose;
      if (verbose) {
        e.printStackTrace();
      }
      Throwable cause = userError(e);
      if (cause != null) {
        cmd.getErr().println("rankwise-spark: error: " + firstLine(cause.getMessage()));
        return USER_ERROR;
      }
      cmd.getErr().println("rankwise-spark: internal error: " + e + (verbose ? "" : " (--verbose for details)"));
      return 1;
    });
    return line.execute(args);
  }

  @Override
  public Integer call() throws Exception {
    ScoringSpec spec = new ScoringSpec(base, maxLength, batchSize, Strategy.byId(strategy), threads);
    // Before Spark starts: a folder without adapters or labels is a one-line error.
    SparkScoring.tasks(adapters);
    if (master == null && System.getProperty("spark.master") == null) {
      throw new IllegalArgumentException("no Spark master: give --master (such as local[2]) or run under"
          + " spark-submit --master URL");
    }
    quietLogs();
    SparkSession.Builder builder = SparkSession.builder().appName("rankwise-spark score " + adapters.getFileName());
    if (master != null) {
      builder.master(master);
    }
    SparkSession spark = builder.getOrCreate();
    try {
      spark.sparkContext().setLogLevel("WARN");
      LongAccumulator scoredRows = spark.sparkContext().longAccumulator("scored rows");
      long start = System.nanoTime();
      Dataset<Row> rows = spark.read().json(input);
      int parts = partitions != null ? partitions : spark.sparkContext().defaultParallelism();
      SparkScoring.score(spark, rows, spec, adapters.toAbsolutePath(), parts, scoredRows).write().json(output);
      double seconds = (System.nanoTime() - start) / 1e9;
      System.err.printf(Locale.ROOT, "rankwise-spark: scored %d rows in %.1f s (%.1f rows/s, %s, %d partitions)"
          + " into %s%n", scoredRows.value(), seconds, scoredRows.value() / seconds, spec.strategy().id(), parts,
          output);
    } finally {
      spark.stop();
    }
    return 0;
  }

  /** Spark and Hadoop log through the job's slf4j-simple: only their errors are news on a run that works. */
  private static void quietLogs() {
    for (String logger : List.of("org.apache.spark", "org.apache.hadoop", "org.sparkproject")) {
      String key = "org.slf4j.simpleLogger.log." + logger;
      if (System.getProperty(key) == null) {
        System.setProperty(key, "error");
      }
    }
  }

  /** The bad-input error behind {@code e}, if it is one: bad options, bad data, a path that is wrong. */
  private static Throwable userError(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IllegalArgumentException || t instanceof java.io.IOException
          || t instanceof org.apache.spark.sql.AnalysisException) {
        return t;
      }
    }
    return null;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "(no message)";
    }
    int end = message.indexOf('\n');
    return end < 0 ? message : message.substring(0, end);
  }
}
