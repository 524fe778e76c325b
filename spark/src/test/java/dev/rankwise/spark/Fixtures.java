package dev.rankwise.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.rankwise.encoders.bert.BertEncoder;
import dev.rankwise.runtime.data.TaskExamples;
import dev.rankwise.runtime.data.TaskSet;
import dev.rankwise.runtime.experts.RankExpertsConfig;
import dev.rankwise.runtime.infer.Prediction;
import dev.rankwise.runtime.infer.TaskClassifier;
import dev.rankwise.runtime.io.ClassifierRecord;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.model.AdapterSpec;
import dev.rankwise.runtime.route.TaskRouterConfig;
import dev.rankwise.runtime.train.TaskData;
import dev.rankwise.runtime.train.TaskHeads;
import dev.rankwise.runtime.train.TaskSampling;
import dev.rankwise.runtime.train.TaskTrainer;
import dev.rankwise.runtime.train.TrainingConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * What the Spark tests share: adapters trained once per test JVM through the library (no rankwise
 * application), the real data, and the single-process predictions the job must reproduce.
 */
final class Fixtures {

  static final Path DATA = Path.of("../data");
  static final List<String> TASKS = List.of("spam", "finefood", "grain", "corn");
  /** The tokens per text of both the single-process predictions and the job. */
  static final int MAX_LENGTH = 64;

  /** Rank experts, three of nine per task, on the query and value projections of layers 4 and 5. */
  static final AdapterSpec RANK_EXPERTS = AdapterSpec.builder("dev.rankwise.spark.Fixtures.RankExperts")
      .target(RankExpertsConfig.builder().setExperts(9, 3).build(),
          "encoder.layer.*.attention.self.query", "encoder.layer.*.attention.self.value")
      .optTaskRouter(new TaskRouterConfig(TASKS, false, 0))
      .build();

  private static Path adapters;

  private Fixtures() {}

  /** Adapters from a tiny training run on the real data (32 rows a task, 32 tokens), trained on first use. */
  static synchronized Path adapters() throws IOException {
    if (adapters == null) {
      Path out = Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-runs")), "train");
      try (BertEncoder encoder = BertEncoder.allMiniLmL6V2(32); NDManager manager = NDManager.newBaseManager()) {
        AdaptedModel adapted = RANK_EXPERTS.attach(encoder.newBlock(manager), 3);
        List<TaskData> data = new ArrayList<>();
        Map<String, List<String>> labels = new LinkedHashMap<>();
        List<TaskSet> sets = TaskSet.discover(DATA);
        for (String task : TASKS) {
          TaskSet set = TaskSet.declaring(sets, task, DATA);
          TaskExamples train = set.read(task, "train").sample(32, 3);
          TaskExamples test = set.read(task, "test").sample(8, 3);
          labels.put(task, train.labels());
          data.add(new TaskData(task, train.labels().size(),
              encoder.inputs().pack(manager, train.texts()), ids(manager, train.labelIds()),
              encoder.inputs().pack(manager, test.texts()), ids(manager, test.labelIds())));
        }
        TaskHeads heads = TaskHeads.forTasks(data, encoder.features(), manager);
        TaskTrainer.builder().setConfig(TrainingConfig.builder().setLearningRate(5e-3).optEpochs(1).optBatchSize(32)
            .optSeed(3).build()).optSampling(new TaskSampling.Proportional()).build().fit(adapted, heads, data);
        adapters = out.resolve("rank-experts");
        adapted.save(adapters, new ClassifierRecord(encoder.name(), labels));
      }
    }
    return adapters;
  }

  private static NDArray ids(NDManager manager, int[] labels) {
    return manager.create(labels).toType(DataType.INT64, false);
  }

  static ScoringSpec spec(Strategy strategy) {
    return new ScoringSpec(null, MAX_LENGTH, 32, strategy, 1);
  }

  /**
   * What single-process {@code rankwise predict} prints for each row ({@code label<TAB>probability}),
   * by row id: one classifier per task, as one predict command per task, over that task's texts in
   * row order.
   */
  static Map<Long, String> predict(List<InputRow> rows) throws IOException {
    Map<Long, String> printed = new HashMap<>();
    for (String task : TASKS) {
      List<InputRow> ofTask = rows.stream().filter(row -> row.task().equals(task)).toList();
      try (BertEncoder encoder = BertEncoder.allMiniLmL6V2(MAX_LENGTH);
          TaskClassifier classifier = TaskClassifier.load(adapters(), encoder)) {
        List<Prediction> predictions = classifier.predict(task, InputRow.textsOf(rows, task));
        assertEquals(ofTask.size(), predictions.size(), "one prediction per text of " + task);
        for (int i = 0; i < predictions.size(); i++) {
          printed.put(ofTask.get(i).id(), predictions.get(i).toString());
        }
      }
    }
    return printed;
  }

  /** A local[2] session: two task slots in this JVM, as two single-core executors would be. */
  static SparkSession localSpark() {
    return SparkSession.builder().master("local[2]").appName("rankwise-spark test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate();
  }

  /** Runs {@code command} with standard output and error captured. */
  static Captured run(java.util.function.IntSupplier command) {
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = command.getAsInt();
      return new Captured(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(stdout);
      System.setErr(stderr);
    }
  }

  record Captured(int code, String out, String err) {}
}
