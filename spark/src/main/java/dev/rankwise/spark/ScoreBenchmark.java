package dev.rankwise.spark;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.rankwise.encoders.bert.BertEncoder;
import dev.rankwise.runtime.infer.TaskClassifier;
import dev.rankwise.runtime.infer.TaskText;
import dev.rankwise.runtime.io.AdapterFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Rows per second of the same rows through single-process predictions as {@code rankwise predict}
 * makes them ({@link TaskClassifier#predict}, one model load per task), the scorer alone, and the
 * Spark job in local[1] and local[2], each configuration in a JVM of its own (the PyTorch thread
 * count is fixed once per process). Writes JSON and Markdown.
 */
@Command(name = "rankwise-spark benchmark", mixinStandardHelpOptions = true,
    description = "Rows/second of single-process predict vs the Spark job in local[1] and local[2], same rows.")
public final class ScoreBenchmark implements Callable<Integer> {

  /** The JVM flags Spark 3.5 needs on Java 17 (spark-submit's launcher adds the same). */
  public static final List<String> JAVA17_FLAGS = List.of(
      "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
      "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
      "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
      "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
      "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED", "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
      "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED", "-Djdk.reflect.useDirectMethodHandle=false");

  private static final String RESULT = "benchmark-result ";

  @Option(names = "--adapters", required = true, paramLabel = "DIR",
      description = "The adapter folder (it names its tasks and labels).")
  Path adapters;

  @Option(names = "--data", defaultValue = "data", paramLabel = "DIR",
      description = "Task sets: the test rows scored. Default: ${DEFAULT-VALUE}.")
  Path data;

  @Option(names = "--rows-per-task", defaultValue = "200", paramLabel = "N",
      description = "Test rows of each task. Default: ${DEFAULT-VALUE}.")
  int rowsPerTask;

  @Option(names = "--max-length", defaultValue = "128", paramLabel = "N",
      description = "Tokens per text. Default: ${DEFAULT-VALUE}.")
  int maxLength;

  @Option(names = "--out", defaultValue = "spark-benchmark", paramLabel = "PATH",
      description = "Writes PATH.json and PATH.md. Default: ${DEFAULT-VALUE}.")
  Path out;

  @Option(names = "--child", hidden = true) String child;
  @Option(names = "--input", hidden = true) Path input;
  @Option(names = "--threads", hidden = true, defaultValue = "2") int threads;

  public static void main(String[] args) {
    System.exit(new CommandLine(new ScoreBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    return child == null ? parent() : child();
  }

  /** One configuration of the benchmark, run in a JVM of its own. */
  private record Config(String name, String description, int threads) {}

  private int parent() throws Exception {
    List<InputRow> rows = InputRow.fromTestSplits(data, SparkScoring.tasks(adapters), rowsPerTask, 5);
    Path folder = Files.createTempDirectory("rankwise-spark-benchmark");
    Path inputFile = folder.resolve("input.jsonl");
    InputRow.write(inputFile, rows);
    int cores = Runtime.getRuntime().availableProcessors();
    List<Config> configs = List.of(
        new Config("predict", "single process, predict as `rankwise predict` runs it, one load per task, "
            + cores + " threads", cores),
        new Config("scorer", "single process, the job's scorer without Spark, " + cores + " threads", cores),
        new Config("local[1]", "Spark local[1]: 1 task slot, " + cores + " intra-op threads", cores),
        new Config("local[2]", "Spark local[2]: 2 task slots, 1 intra-op thread each", 1),
        new Config("local[2]x2", "Spark local[2]: 2 task slots, 2 intra-op threads each (oversubscribed)", 2));
    List<JsonObject> results = new ArrayList<>();
    for (Config config : configs) {
      System.err.println("benchmark: " + config.name() + " ...");
      results.addAll(runChild(config, inputFile));
    }
    write(rows.size(), cores, configs, results);
    return 0;
  }

  private List<JsonObject> runChild(Config config, Path inputFile) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JAVA17_FLAGS);
    command.addAll(List.of("-Dai.djl.offline=true", "-Dai.djl.default_engine=PyTorch",
        "-Dai.djl.pytorch.num_threads=" + config.threads(), "-Dai.djl.pytorch.num_interop_threads=1",
        "-Dorg.slf4j.simpleLogger.log.org.apache.spark=error",
        "-Dorg.slf4j.simpleLogger.log.org.apache.hadoop=error",
        "-cp", System.getProperty("java.class.path"), ScoreBenchmark.class.getName(),
        "--child", config.name(), "--threads", Integer.toString(config.threads()), "--input", inputFile.toString(),
        "--adapters", adapters.toAbsolutePath().toString(), "--data", data.toString(),
        "--max-length", Integer.toString(maxLength)));
    Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    List<JsonObject> results = new ArrayList<>();
    try (BufferedReader reader = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        if (line.startsWith(RESULT)) {
          JsonObject result = JsonParser.parseString(line.substring(RESULT.length())).getAsJsonObject();
          result.addProperty("config", config.name());
          results.add(result);
          System.err.println("  " + result);
        }
      }
    }
    if (process.waitFor() != 0) {
      throw new IllegalStateException("benchmark configuration " + config.name() + " failed");
    }
    return results;
  }

  private ScoringSpec spec(Strategy strategy) {
    return new ScoringSpec(null, maxLength, 32, strategy, threads);
  }

  private int child() throws Exception {
    List<InputRow> rows = readRows(input);
    switch (child) {
      case "predict" -> {
        long start = System.nanoTime();
        for (String task : SparkScoring.tasks(adapters)) {
          try (BertEncoder encoder = BertEncoder.allMiniLmL6V2(maxLength);
              TaskClassifier classifier = TaskClassifier.load(adapters, encoder)) {
            classifier.predict(task, InputRow.textsOf(rows, task));
          }
        }
        report("per-task", "cold", rows.size(), start);
      }
      case "scorer" -> {
        for (Strategy strategy : Strategy.values()) {
          ScoringSpec spec = spec(strategy);
          List<InputRow> ordered = strategy == Strategy.MERGED
              ? rows.stream().sorted(java.util.Comparator.comparing(InputRow::task)).toList() : rows;
          List<TaskText> texts = ordered.stream().map(row -> new TaskText(row.task(), row.text())).toList();
          long start = System.nanoTime();
          try (TaskScorer scorer = new TaskScorer(spec, adapters)) {
            scorer.score(texts);
            report(strategy.id(), "cold", rows.size(), start);
            start = System.nanoTime();
            scorer.score(texts);
            report(strategy.id(), "warm", rows.size(), start);
          }
        }
      }
      default -> {
        String master = child.replace("x2", "");
        SparkSession spark = SparkSession.builder().master(master).appName("rankwise-spark benchmark")
            .config("spark.ui.enabled", "false").getOrCreate();
        spark.sparkContext().setLogLevel("ERROR");
        try {
          int partitions = spark.sparkContext().defaultParallelism();
          for (Strategy strategy : Strategy.values()) {
            for (String pass : List.of("cold", "warm")) {
              long start = System.nanoTime();
              Dataset<Row> in = spark.read().json(input.toString());
              SparkScoring.score(spark, in, spec(strategy), adapters.toAbsolutePath(), partitions, null)
                  .write().format("noop").mode("overwrite").save();
              report(strategy.id(), pass, rows.size(), start);
            }
          }
        } finally {
          spark.stop();
        }
      }
    }
    return 0;
  }

  private static void report(String strategy, String pass, int rows, long start) {
    double seconds = (System.nanoTime() - start) / 1e9;
    JsonObject result = new JsonObject();
    result.addProperty("strategy", strategy);
    result.addProperty("pass", pass);
    result.addProperty("rows", rows);
    result.addProperty("seconds", Math.round(seconds * 1000) / 1000.0);
    result.addProperty("rowsPerSecond", Math.round(rows / seconds * 10) / 10.0);
    System.out.println(RESULT + result);
  }

  private static List<InputRow> readRows(Path file) throws IOException {
    List<InputRow> rows = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      JsonObject row = JsonParser.parseString(line).getAsJsonObject();
      rows.add(new InputRow(row.get("id").getAsLong(), row.get("task").getAsString(), row.get("text").getAsString()));
    }
    return rows;
  }

  private void write(int rows, int cores, List<Config> configs, List<JsonObject> results) throws IOException {
    String declaration = AdapterFiles.readDeclaration(adapters).declaringType();
    JsonObject report = new JsonObject();
    report.addProperty("date", LocalDate.now().toString());
    report.addProperty("cores", cores);
    report.addProperty("declaration", declaration);
    report.addProperty("rows", rows);
    report.addProperty("maxLength", maxLength);
    report.addProperty("batchSize", 32);
    Gson gson = new GsonBuilder().setPrettyPrinting().create();
    report.add("results", gson.toJsonTree(results));
    Path json = Path.of(out + ".json");
    Path markdown = Path.of(out + ".md");
    if (json.toAbsolutePath().getParent() != null) {
      Files.createDirectories(json.toAbsolutePath().getParent());
    }
    Files.writeString(json, gson.toJson(report) + "\n");

    Map<String, String> descriptions = new LinkedHashMap<>();
    configs.forEach(config -> descriptions.put(config.name(), config.description()));
    StringBuilder md = new StringBuilder();
    md.append(String.format(Locale.ROOT, "%d rows (%d per task, interleaved), %s, %d tokens, batches of 32, %d cores,"
        + " %s. Rows/s over the whole pass: cold includes loading the model (and starting the job), warm reuses"
        + " the loaded models.%n%n", rows, rowsPerTask, declaration, maxLength, cores, LocalDate.now()));
    md.append("| configuration | strategy | cold rows/s | warm rows/s |\n|---|---|---:|---:|\n");
    for (Map.Entry<String, String> config : descriptions.entrySet()) {
      Map<String, double[]> byStrategy = new LinkedHashMap<>();
      for (JsonObject result : results) {
        if (result.get("config").getAsString().equals(config.getKey())) {
          double[] cells = byStrategy.computeIfAbsent(result.get("strategy").getAsString(),
              s -> new double[] {Double.NaN, Double.NaN});
          cells[result.get("pass").getAsString().equals("cold") ? 0 : 1] = result.get("rowsPerSecond").getAsDouble();
        }
      }
      for (Map.Entry<String, double[]> cells : byStrategy.entrySet()) {
        md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s |%n", config.getValue(), cells.getKey(),
            cell(cells.getValue()[0]), cell(cells.getValue()[1])));
      }
    }
    Files.writeString(markdown, md.toString());
    System.out.print(md);
    System.err.println("benchmark: wrote " + json + " and " + markdown);
  }

  private static String cell(double value) {
    return Double.isNaN(value) ? "" : String.format(Locale.ROOT, "%.1f", value);
  }
}
