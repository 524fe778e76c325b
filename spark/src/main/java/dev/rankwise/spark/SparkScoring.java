package dev.rankwise.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.when;

import dev.rankwise.runtime.infer.Prediction;
import dev.rankwise.runtime.infer.TaskText;
import dev.rankwise.runtime.io.AdapterFiles;
import dev.rankwise.runtime.io.ClassifierRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.SparkFiles;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.TaskCompletionListener;

/**
 * Scores a dataset of (task, text) rows on Spark with a frozen base and an adapter folder:
 * the adapter folder is shipped to every executor once ({@code SparkContext.addFile}), each
 * executor loads the base once per task slot and keeps it ({@link ExecutorModels}), and each
 * partition is scored in batches by {@link TaskScorer}: with {@link Strategy#MERGED} its rows are
 * first sorted by task, so every task of the partition is one run served with merged weights.
 */
public final class SparkScoring {

  /** The columns the input must have. */
  public static final String TASK = "task";
  public static final String TEXT = "text";
  /** The columns added to the input's. */
  public static final String LABEL = "label";
  public static final String PROBABILITY = "probability";

  private static final String ORDER = "_rankwise_order";
  private static final String CORRUPT = "_corrupt_record";
  /** A blank text as {@link String#isBlank} (and so training) sees one: only Character.isWhitespace code points. */
  private static final String BLANK = "\\A\\p{javaWhitespace}*\\z";
  private static final int BATCHES_PER_CHUNK = 8;

  private SparkScoring() {}

  /**
   * The input's rows with {@code label} and {@code probability} added. Reads the input once, now:
   * its rows are kept on the executors (a local checkpoint, memory and disk) and checked there (its
   * columns, no missing task, no missing or blank text, only tasks the adapters route, no malformed
   * JSON line), and the scoring, lazy (it runs at the caller's action), reads those same rows, so
   * an input that changes between reads (a file rewritten, a non-deterministic query) cannot send
   * rows to the scorers that the check never saw.
   *
   * @param adapters the adapter folder on the driver's file system; it names its tasks and labels
   * @param partitions partitions to score in (rows spread round-robin), or 0 to keep the input's
   * @param scoredRows counts the rows scored, or null
   * @throws IllegalArgumentException on bad input, saying what is wrong
   */
  public static Dataset<Row> score(SparkSession spark, Dataset<Row> input, ScoringSpec spec, Path adapters,
      int partitions, LongAccumulator scoredRows) {
    List<String> tasks = tasks(adapters);
    checkColumns(input);
    Dataset<Row> once = input.localCheckpoint(true);
    checkRows(once, adapters, tasks);
    spark.sparkContext().addFile(adapters.toString(), true);
    String shipped = adapters.getFileName().toString();

    Dataset<Row> rows = once.withColumn(ORDER, monotonically_increasing_id());
    if (partitions > 0) {
      rows = rows.repartition(partitions);
    }
    if (spec.strategy() == Strategy.MERGED) {
      rows = rows.sortWithinPartitions(TASK, ORDER);
    }
    StructType schema = rows.schema()
        .add(new StructField(LABEL, DataTypes.StringType, false, org.apache.spark.sql.types.Metadata.empty()))
        .add(new StructField(PROBABILITY, DataTypes.FloatType, false,
            org.apache.spark.sql.types.Metadata.empty()));
    int taskColumn = rows.schema().fieldIndex(TASK);
    int textColumn = rows.schema().fieldIndex(TEXT);
    JavaRDD<Row> scored = rows.javaRDD().mapPartitions(partition -> {
      Path folder = Path.of(SparkFiles.get(shipped));
      TaskScorer scorer = ExecutorModels.borrow(spec, folder);
      TaskContext.get().addTaskCompletionListener(
          (TaskCompletionListener) context -> ExecutorModels.giveBack(scorer, folder));
      return new ScoredRows(partition, scorer, taskColumn, textColumn,
          spec.batchSize() * BATCHES_PER_CHUNK, scoredRows);
    });
    return spark.createDataFrame(scored, schema).drop(ORDER);
  }

  /** The task and text columns are there, as strings; reads no row. */
  private static void checkColumns(Dataset<Row> input) {
    List<String> columns = List.of(input.columns());
    for (String column : List.of(TASK, TEXT)) {
      if (!columns.contains(column)) {
        throw new IllegalArgumentException("the input has no '" + column + "' field; its fields are " + columns
            + (columns.contains(CORRUPT) ? " (lines that are not JSON objects)" : ""));
      }
      if (!input.schema().apply(column).dataType().equals(DataTypes.StringType)) {
        throw new IllegalArgumentException("the input's '" + column + "' field must be a string, got "
            + input.schema().apply(column).dataType().simpleString());
      }
    }
  }

  /**
   * One pass over the rows: no malformed line, a task the adapters route on every row, a text that
   * is not blank (training refuses blank texts, so no adapter has learnt what one means).
   */
  private static void checkRows(Dataset<Row> input, Path adapters, List<String> tasks) {
    List<String> columns = List.of(input.columns());
    Column malformed = columns.contains(CORRUPT) ? col(CORRUPT).isNotNull() : lit(false);
    Column textless = col(TEXT).isNull().or(col(TEXT).rlike(BLANK)).and(not(malformed));
    Column row = to_json(struct(columns.stream().filter(c -> !c.equals(CORRUPT))
        .map(c -> input.col("`" + c.replace("`", "``") + "`")).toArray(Column[]::new)));
    List<Row> groups = input.groupBy(col(TASK)).agg(count(lit(1)), sum(when(textless, 1).otherwise(0)),
        sum(when(malformed, 1).otherwise(0)), min(when(textless, row))).collectAsList();
    long badLines = groups.stream().mapToLong(group -> group.getLong(3)).sum();
    if (badLines > 0) {
      throw new IllegalArgumentException("the input has " + badLines + " malformed line(s): each line must be a"
          + " JSON object such as {\"task\": \"spam\", \"text\": \"...\"}");
    }
    List<String> unknown = new ArrayList<>();
    for (Row group : groups) {
      if (group.isNullAt(0)) {
        throw new IllegalArgumentException("the input has " + group.getLong(1) + " row(s) without a task");
      }
      if (!tasks.contains(group.getString(0))) {
        unknown.add(group.getString(0));
      }
    }
    if (!unknown.isEmpty()) {
      unknown.sort(null);
      throw new IllegalArgumentException("the input has rows of task(s) " + unknown + " that the adapters in "
          + adapters + " do not route; their tasks are " + tasks);
    }
    long noText = groups.stream().mapToLong(group -> group.getLong(2)).sum();
    if (noText > 0) {
      String example = groups.stream().filter(group -> !group.isNullAt(4)).map(group -> group.getString(4))
          .min(String::compareTo).orElseThrow();
      throw new IllegalArgumentException("the input has " + noText + " row(s) without a text (missing or blank),"
          + " such as " + example + "; every row needs a text to label, as in training");
    }
  }

  /**
   * The tasks of the adapters in {@code adapters}, read on the driver from the folder's config.
   *
   * @throws IllegalArgumentException saying how to make adapters if the folder holds none
   * @throws UncheckedIOException if the config is malformed or saved without the tasks' labels
   */
  static List<String> tasks(Path adapters) {
    if (!Files.isRegularFile(adapters.resolve(AdapterFiles.WEIGHTS_FILE))) {
      throw new IllegalArgumentException("no " + AdapterFiles.WEIGHTS_FILE + " in " + adapters
          + "; train adapters first (rankwise train --method ID saves them into rankwise-out/adapters/ID)");
    }
    try {
      return ClassifierRecord.read(adapters).tasks();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A partition's rows scored a chunk at a time, so a partition never sits in memory whole. */
  private static final class ScoredRows implements Iterator<Row> {
    private final Iterator<Row> input;
    private final TaskScorer scorer;
    private final int taskColumn;
    private final int textColumn;
    private final int chunk;
    private final LongAccumulator scoredRows;
    private final List<Row> ready = new ArrayList<>();
    private int next;

    ScoredRows(Iterator<Row> input, TaskScorer scorer, int taskColumn, int textColumn, int chunk,
        LongAccumulator scoredRows) {
      this.input = input;
      this.scorer = scorer;
      this.taskColumn = taskColumn;
      this.textColumn = textColumn;
      this.chunk = chunk;
      this.scoredRows = scoredRows;
    }

    @Override
    public boolean hasNext() {
      if (next < ready.size()) {
        return true;
      }
      ready.clear();
      next = 0;
      List<Row> rows = new ArrayList<>(chunk);
      while (rows.size() < chunk && input.hasNext()) {
        rows.add(input.next());
      }
      if (rows.isEmpty()) {
        return false;
      }
      List<TaskText> texts = new ArrayList<>(rows.size());
      for (Row row : rows) {
        texts.add(new TaskText(row.getString(taskColumn), row.getString(textColumn)));
      }
      List<Prediction> scores = scorer.score(texts);
      for (int i = 0; i < rows.size(); i++) {
        Row row = rows.get(i);
        Object[] values = new Object[row.length() + 2];
        for (int c = 0; c < row.length(); c++) {
          values[c] = row.get(c);
        }
        values[row.length()] = scores.get(i).label();
        values[row.length() + 1] = scores.get(i).probability();
        ready.add(RowFactory.create(values));
      }
      if (scoredRows != null) {
        scoredRows.add(rows.size());
      }
      return true;
    }

    @Override
    public Row next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return ready.get(next++);
    }
  }
}
