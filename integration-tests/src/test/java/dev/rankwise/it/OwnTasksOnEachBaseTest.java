package dev.rankwise.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.rankwise.cli.RankwiseCli;
import dev.rankwise.runtime.io.ClassifierRecord;
import dev.rankwise.spark.ScoreJob;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.IntSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What issue 16 promises a user, end to end on each shipped base, with no Java written: tasks the
 * code never names (made here, with labels of their own, in CSV files) are trained with {@code
 * rankwise train --base}, evaluated and predicted from the adapter folder alone, a second task is
 * added with {@code rankwise add-task} (the first one's predictions unchanged), and {@code
 * rankwise-spark} scores both tasks in local[2] as {@code predict} does.
 */
class OwnTasksOnEachBaseTest {

  private static final List<String> MOODS = List.of("calm", "busy", "alarm");
  private static final String[][] MOOD_WORDS = {
      {"quiet", "relaxed", "holiday", "coffee", "garden"},
      {"meeting", "deadline", "schedule", "report", "review"},
      {"fire", "outage", "breach", "emergency", "crash"}};
  private static final List<String> URGENCIES = List.of("later", "now");
  private static final String[][] URGENCY_WORDS = {
      {"tomorrow", "sometime", "eventually", "whenever", "next month"},
      {"immediately", "asap", "right away", "urgent", "this minute"}};
  private static final List<String> MOOD_TEXTS = List.of("fire and outage in the server room", "coffee in the garden");
  private static final List<String> URGENCY_TEXTS = List.of("reply immediately please", "whenever you like");

  @TempDir Path work;

  /** A folder whose tasks.json declares mood and urgency, with seeded CSV splits of each. */
  private Path data() throws IOException {
    Path folder = work.resolve("data");
    for (String task : List.of("mood", "urgency")) {
      Files.createDirectories(folder.resolve(task));
      List<String> labels = task.equals("mood") ? MOODS : URGENCIES;
      String[][] words = task.equals("mood") ? MOOD_WORDS : URGENCY_WORDS;
      Files.writeString(folder.resolve(task).resolve("tasks.json"), "{\"tasks\": [{\"name\": \"" + task
          + "\", \"textField\": \"message\", \"labelField\": \"tag\", \"labels\": [\""
          + String.join("\", \"", labels) + "\"]}]}");
      Random random = new Random(task.length());
      for (String split : List.of("train", "test")) {
        StringBuilder csv = new StringBuilder("message,tag\n");
        for (int row = 0; row < 48; row++) {
          int label = row % labels.size();
          csv.append('"').append(words[label][random.nextInt(5)]).append(", ").append(words[label][random.nextInt(5)])
              .append(" for the team\",").append(labels.get(label)).append('\n');
        }
        Files.writeString(folder.resolve(task).resolve(split + ".csv"), csv);
      }
    }
    return folder;
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "all-MiniLM-L6-v2, sentence-transformers/all-MiniLM-L6-v2, mean, false, ''",
      "bge-small-en-v1.5, BAAI/bge-small-en-v1.5, cls, true, ''",
      "e5-small-v2, intfloat/e5-small-v2, mean, true, 'query: '"})
  void trainEvalPredictAddATaskAndScoreOnSpark(String base, String id, String pooling, boolean normalize,
      String prefix) throws Exception {
    Path data = data();
    Path out = work.resolve("out");
    String[] settings = {"--data", data.toString(), "--out", out.toString(), "--train-rows", "36", "--test-rows",
        "24", "--epochs", "2", "--max-length", "16", "--seed", "1"};

    long start = System.nanoTime();
    Captured train = cli(with(settings, "train", "--base", base, "--method", "per-task-lora",
        "--tasks", "mood"));
    assertEquals(0, train.code(), train.err());
    Path adapters = out.resolve("adapters/per-task-lora");
    ClassifierRecord record = ClassifierRecord.read(adapters);
    assertEquals(id, record.encoder(), "the folder names its base");
    assertEquals(Map.of("mood", MOODS), record.labels());
    assertEquals(pooling, record.encoderSettings().get("pooling"));
    assertEquals(normalize, record.encoderSettings().get("normalize"));
    assertEquals(prefix, record.encoderSettings().get("prefix"));
    assertEquals(16, ((Number) record.encoderSettings().get("max_length")).intValue());
    assertTrue(record.encoderSettings().get("weights_sha256").toString().matches("[0-9a-f]{64}"));

    Captured eval = cli("eval", "--adapters", adapters.toString(), "--data", data.toString(),
        "--test-rows", "24", "--seed", "1");
    assertEquals(0, eval.code(), eval.err());
    List<String> metrics = eval.out().lines().filter(line -> line.contains("accuracy")).map(String::strip).toList();
    assertEquals(1, metrics.size(), eval.out());
    assertTrue(metrics.get(0).startsWith("mood:"), metrics.get(0));

    List<String> moods = predict(adapters, "mood", MOOD_TEXTS);

    Path added = work.resolve("added");
    Captured addTask = cli(with(settings, "add-task", "--adapters", adapters.toString(), "--task",
        "urgency", "--into", added.toString()));
    assertEquals(0, addTask.code(), addTask.err());
    ClassifierRecord extended = ClassifierRecord.read(added);
    assertEquals(List.of("mood", "urgency"), extended.tasks());
    assertEquals(record.encoderSettings(), extended.encoderSettings(), "add-task keeps the base's settings");
    assertEquals(moods, predict(added, "mood", MOOD_TEXTS), "the first task predicts exactly as before");
    List<String> urgencies = predict(added, "urgency", URGENCY_TEXTS);

    Map<String, String> expected = new LinkedHashMap<>();
    for (int i = 0; i < MOOD_TEXTS.size(); i++) {
      expected.put("mood|" + MOOD_TEXTS.get(i), moods.get(i));
      expected.put("urgency|" + URGENCY_TEXTS.get(i), urgencies.get(i));
    }
    assertEquals(expected, spark(added), "Spark scores every row as predict labels it");
    System.out.printf(Locale.ROOT, "%s end to end: %.0f s; %s%n", base, (System.nanoTime() - start) / 1e9,
        metrics.get(0));
  }

  /** {@code rankwise predict}'s lines: label, tab, probability. */
  private static List<String> predict(Path adapters, String task, List<String> texts) {
    List<String> args = new ArrayList<>(List.of("predict", "--adapters", adapters.toString(), "--task", task));
    args.addAll(texts);
    Captured predict = cli(args.toArray(String[]::new));
    assertEquals(0, predict.code(), predict.err());
    List<String> lines = predict.out().lines().toList();
    assertEquals(texts.size(), lines.size(), predict.out());
    return lines;
  }

  /** Every row scored by {@code rankwise-spark} in local[2], by task and text, printed as predict prints. */
  private Map<String, String> spark(Path adapters) throws IOException {
    Path input = work.resolve("rows.jsonl");
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < MOOD_TEXTS.size(); i++) {
      rows.append("{\"task\": \"mood\", \"text\": \"").append(MOOD_TEXTS.get(i)).append("\"}\n");
      rows.append("{\"task\": \"urgency\", \"text\": \"").append(URGENCY_TEXTS.get(i)).append("\"}\n");
    }
    Files.writeString(input, rows);
    Path output = work.resolve("scored");
    Captured job = captured(() -> ScoreJob.run("--master", "local[2]", "--input", input.toString(),
        "--adapters", adapters.toString(), "--output", output.toString()));
    assertEquals(0, job.code(), job.err());
    Map<String, String> scored = new LinkedHashMap<>();
    try (Stream<Path> parts = Files.list(output)) {
      parts.filter(part -> part.getFileName().toString().startsWith("part-")).sorted().forEach(part -> {
        try {
          for (String line : Files.readAllLines(part)) {
            JsonObject row = JsonParser.parseString(line).getAsJsonObject();
            scored.put(row.get("task").getAsString() + "|" + row.get("text").getAsString(), String.format(Locale.ROOT,
                "%s\t%.4f", row.get("label").getAsString(), row.get("probability").getAsFloat()));
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
    return scored;
  }

  /** What a command printed, and its exit code. */
  private record Captured(int code, String out, String err) {}

  /** Runs {@code command} in this JVM with standard output and error captured. */
  private static Captured captured(IntSupplier command) {
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

  private static Captured cli(String... args) {
    return captured(() -> RankwiseCli.run(args));
  }

  private static String[] with(String[] tail, String... head) {
    String[] all = Arrays.copyOf(head, head.length + tail.length);
    System.arraycopy(tail, 0, all, head.length, tail.length);
    return all;
  }
}
