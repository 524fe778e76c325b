package dev.rankwise.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.spark.SparkFiles;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The job in local[2] on a few hundred rows of the real test splits gives, row for row, what
 * single-process {@code rankwise predict} prints ({@code TaskClassifier.predict}, one task at a
 * time), with either serving strategy.
 */
class SparkScoringTest {

  private static final int ROWS_PER_TASK = 60;

  @TempDir static Path folder;
  private static List<InputRow> rows;
  private static Map<Long, String> predicted;
  private static SparkSession spark;

  @BeforeAll
  static void setUp() throws Exception {
    rows = InputRow.fromTestSplits(Fixtures.DATA, Fixtures.TASKS, ROWS_PER_TASK, 11);
    InputRow.write(folder.resolve("input.jsonl"), rows);
    predicted = new TreeMap<>(Fixtures.predict(rows));
    spark = Fixtures.localSpark();
  }

  @AfterAll
  static void tearDown() {
    if (spark != null) {
      spark.stop();
    }
  }

  @ParameterizedTest
  @EnumSource(Strategy.class)
  void scoresEqualSingleProcessPredictRowForRow(Strategy strategy) throws Exception {
    assertEquals(4 * ROWS_PER_TASK, rows.size(), "every task has enough test rows");
    ScoringSpec spec = Fixtures.spec(strategy);
    Dataset<Row> input = spark.read().json(folder.resolve("input.jsonl").toString());
    Map<Long, String> scored = new TreeMap<>();
    List<Row> output = SparkScoring.score(spark, input, spec, Fixtures.adapters(), 2, null).collectAsList();
    for (Row row : output) {
      scored.put(row.getLong(row.fieldIndex("id")), String.format(Locale.ROOT, "%s\t%.4f",
          row.getString(row.fieldIndex(SparkScoring.LABEL)), row.getFloat(row.fieldIndex(SparkScoring.PROBABILITY))));
    }
    assertEquals(rows.size(), output.size(), "one output row per input row");
    if (strategy == Strategy.MIXED) {
      // The same computation as predict's (one TaskClassifier call, unmerged adapters, rows routed by
      // task): the same print.
      assertEquals(predicted, scored);
    } else {
      // Merged weights W0 + BA round differently from W0 x + B(Ax) (about 1e-7 here), so a value on a
      // rounding edge may print one unit apart in the 4th decimal; the label never changes.
      for (Map.Entry<Long, String> row : predicted.entrySet()) {
        String[] expected = row.getValue().split("\t");
        String[] actual = scored.get(row.getKey()).split("\t");
        assertEquals(expected[0], actual[0], "label of row " + row.getKey());
        assertEquals(Double.parseDouble(expected[1]), Double.parseDouble(actual[1]), 1.5e-4,
            "probability of row " + row.getKey() + ": " + row.getValue() + " vs " + scored.get(row.getKey()));
      }
    }
    assertTrue(List.of(output.get(0).schema().fieldNames()).containsAll(List.of("id", "task", "text")),
        "the input's fields are kept");

    Path shipped = Path.of(SparkFiles.get(Fixtures.adapters().getFileName().toString()));
    int loaded = ExecutorModels.loaded(spec, shipped);
    assertTrue(loaded >= 1 && loaded <= 2, "at most one model per task slot, got " + loaded);
    SparkScoring.score(spark, input, spec, Fixtures.adapters(), 2, null).count();
    assertEquals(loaded, ExecutorModels.loaded(spec, shipped), "a second job reuses the executor's models");
  }

  @Test
  void rowsOfATaskTheMethodDoesNotRouteAreRejectedBeforeScoring() throws Exception {
    Dataset<Row> input = spark.createDataFrame(List.of(new Task("spam", "Hello"), new Task("urgent", "Now!")),
        Task.class);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SparkScoring.score(spark, input, Fixtures.spec(Strategy.MERGED), Fixtures.adapters(), 2, null));
    assertEquals("the input has rows of task(s) [urgent] that the adapters in " + Fixtures.adapters()
        + " do not route; their tasks are [spam, finefood, grain, corn]", e.getMessage());
  }

  @Test
  void rowsWithABlankTextAreRejectedBeforeScoringAsTrainingRejectsThem() throws Exception {
    Dataset<Row> input = spark.createDataFrame(List.of(new Task("spam", "Hello"), new Task("spam", "\t"),
        new Task("corn", "  ")), Task.class);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SparkScoring.score(spark, input, Fixtures.spec(Strategy.MIXED), Fixtures.adapters(), 2, null));
    assertEquals("the input has 2 row(s) without a text (missing or blank), such as {\"task\":\"corn\",\"text\":\"  \"};"
        + " every row needs a text to label, as in training", e.getMessage());
  }

  /** How many times each partition of {@link #changingInput} has been computed. */
  private static final Map<Integer, AtomicInteger> READS = new ConcurrentHashMap<>();

  /**
   * An input that changes between reads, as a file rewritten during the job or a non-deterministic
   * query would: spam rows the first time a partition is computed, rows of a task the adapters do
   * not route after.
   */
  private static Dataset<Row> changingInput() {
    StructType schema = new StructType().add("task", DataTypes.StringType).add("text", DataTypes.StringType);
    return spark.range(0, 8, 1, 2).mapPartitions((MapPartitionsFunction<Long, Row>) ids -> {
      int read = READS.computeIfAbsent(TaskContext.getPartitionId(), id -> new AtomicInteger()).incrementAndGet();
      List<Row> rows = new ArrayList<>();
      ids.forEachRemaining(id -> rows.add(RowFactory.create(read == 1 ? "spam" : "urgent", "Free entry " + id)));
      return rows.iterator();
    }, Encoders.row(schema));
  }

  @Test
  void theInputIsReadOnceSoTheRowsCheckedAreTheRowsScored() throws Exception {
    READS.clear();
    List<Row> output = SparkScoring.score(spark, changingInput(), Fixtures.spec(Strategy.MIXED),
        Fixtures.adapters(), 2, null).collectAsList();
    assertEquals(8, output.size());
    assertTrue(output.stream().allMatch(row -> row.getString(row.fieldIndex("task")).equals("spam")),
        "the rows scored are the rows checked");
    assertEquals(Map.of(0, 1, 1, 1), READS.entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, entry -> entry.getValue().get())), "each partition read once");
  }

  /** A row as a Java bean, for createDataFrame. */
  public static final class Task implements java.io.Serializable {
    private String task;
    private String text;

    public Task() {}

    Task(String task, String text) {
      this.task = task;
      this.text = text;
    }

    public String getTask() {
      return task;
    }

    public void setTask(String task) {
      this.task = task;
    }

    public String getText() {
      return text;
    }

    public void setText(String text) {
      this.text = text;
    }
  }
}
