package dev.rankwise.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rankwise.cli.RankwiseCli;
import dev.rankwise.cli.job.Method;
import dev.rankwise.cli.job.TaskTexts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** What the Spark tests share: adapters trained once per test JVM, the real data, predict's output. */
final class Fixtures {

  static final Path DATA = Path.of("../data");
  static final String METHOD = "rank-experts";
  /** The tokens per text of both predict and the job (predict's default is 128). */
  static final int MAX_LENGTH = 64;

  private static Path adapters;

  private Fixtures() {}

  /** rank-experts adapters from a tiny training run on the real data, trained on first use. */
  static synchronized Path adapters() throws IOException {
    if (adapters == null) {
      Path out = Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-runs")), "train");
      Captured train = run(() -> RankwiseCli.run("train", "--method", METHOD, "--out", out.toString(), "--data",
          DATA.toString(), "--train-rows", "32", "--test-rows", "40", "--epochs", "1", "--max-length", "32",
          "--seed", "3"));
      assertEquals(0, train.code(), train.err());
      adapters = out.resolve("adapters").resolve(METHOD);
    }
    return adapters;
  }

  static ScoringSpec spec(Strategy strategy) throws IOException {
    Method method = Method.byId(METHOD);
    return new ScoringSpec(METHOD, method.tasks(),
        TaskTexts.labelsOnly(DATA, method.tasks()).stream().map(TaskTexts::labels).toList(), MAX_LENGTH, 32,
        strategy, 1);
  }

  /**
   * What single-process {@code rankwise predict} prints for each row ({@code label<TAB>probability}),
   * by row id: one predict per task, over that task's texts in row order.
   */
  static Map<Long, String> predict(List<InputRow> rows) throws IOException {
    Map<Long, String> printed = new HashMap<>();
    for (String task : Method.byId(METHOD).tasks()) {
      List<InputRow> ofTask = rows.stream().filter(row -> row.task().equals(task)).toList();
      List<String> args = new ArrayList<>(List.of("predict", "--method", METHOD, "--task", task, "--data",
          DATA.toString(), "--adapters", adapters().toString(), "--max-length", Integer.toString(MAX_LENGTH),
          "--"));
      ofTask.forEach(row -> args.add(row.text()));
      Captured predict = run(() -> RankwiseCli.run(args.toArray(String[]::new)));
      assertEquals(0, predict.code(), predict.err());
      List<String> lines = predict.out().lines().toList();
      assertEquals(ofTask.size(), lines.size(), "one line per text of " + task);
      for (int i = 0; i < lines.size(); i++) {
        printed.put(ofTask.get(i).id(), lines.get(i));
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
