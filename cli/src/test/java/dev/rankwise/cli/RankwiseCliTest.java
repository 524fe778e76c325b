package dev.rankwise.cli;

import static dev.rankwise.cli.CliRun.run;
import static dev.rankwise.cli.CliRun.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line end to end on the real model and data, cut short: train a method for a few
 * steps on a few rows, evaluate the saved adapters (the same metrics as at the end of training),
 * predict, and the exit codes and messages of bad input.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RankwiseCliTest {

  private static final String[] SMALL = {"--data", "../data", "--train-rows", "32", "--test-rows", "40",
      "--epochs", "1", "--max-length", "32", "--seed", "3"};

  @TempDir static Path out;

  @Test
  @Order(1)
  void trainedAdaptersEvaluateAsAtTheEndOfTrainingAndPredict() throws Exception {
    CliRun train = run(with(new String[] {"train", "--method", "rank-experts", "--out", out.toString()}, SMALL));
    assertEquals(0, train.code(), train.err());
    Path adapters = out.resolve("adapters").resolve("rank-experts");
    assertTrue(Files.isRegularFile(adapters.resolve("adapter_model.safetensors")));
    assertTrue(Files.isRegularFile(adapters.resolve("adapter_config.json")));
    assertTrue(Files.readString(out.resolve("train-rank-experts.json")).contains("\"accuracy\""),
        "the run's report is saved with the adapters");
    assertTrue(train.err().contains("multi-task"), "a progress bar: " + train.err());
    assertEquals(4, train.metricLines().size(), train.out());

    CliRun eval = run(with(new String[] {"eval", "--method", "rank-experts", "--out", out.toString()}, SMALL));
    assertEquals(0, eval.code(), eval.err());
    assertEquals(train.metricLines(), eval.metricLines(), "saved and loaded adapters score the same");

    CliRun predict = run("predict", "--method", "rank-experts", "--task", "spam", "--data", "../data",
        "--out", out.toString(), "WIN a FREE prize now, click here", "Meeting moved to 3pm, see agenda.");
    assertEquals(0, predict.code(), predict.err());
    List<String> lines = predict.out().lines().toList();
    assertEquals(2, lines.size(), predict.out());
    for (String line : lines) {
      String[] fields = line.split("\t");
      assertTrue(List.of("ham", "spam").contains(fields[0]), line);
      double probability = Double.parseDouble(fields[1]);
      assertTrue(probability >= 0.5 && probability <= 1, line);
    }
  }

  @Test
  @Order(2)
  void theDemoWritesTheReportChartsAndAdapters() throws Exception {
    Path demo = out.resolve("demo");
    CliRun result = run(with(new String[] {"demo", "--methods", "shared-lora,rank-experts-adaptive",
        "--out", demo.toString()}, SMALL));
    assertEquals(0, result.code(), result.err());
    String report = Files.readString(demo.resolve("report.md"));
    for (String row : List.of("| frozen encoder + linear probe | 0 |", "| shared LoRA r=16 | 49,152 | +0.0 % |",
        "| rank experts adaptive \u2264 3 of 9 | 47,808 | -2.7 % |")) {
      assertTrue(report.contains(row), row + " in\n" + report);
      assertTrue(result.out().contains(row), "the printed table has " + row);
    }
    for (String chart : List.of("loss.png", "accuracy.png", "f1.png", "experts-rank-experts-adaptive.png")) {
      assertTrue(Files.size(demo.resolve(chart)) > 1000, chart);
      assertTrue(report.contains("](" + chart + ")"), "the report shows " + chart);
    }
    assertTrue(report.contains("encoder.layer.5.attention.self.value"), "selected experts per layer");
    assertTrue(Files.isRegularFile(demo.resolve("results.json")));
    assertTrue(Files.isRegularFile(demo.resolve("adapters/shared-lora/adapter_model.safetensors")));
  }

  @Test
  @Order(3)
  void badInputIsAUserErrorWithOneClearLine() {
    CliRun method = run("train", "--method", "lora", "--data", "../data", "--out", out.toString());
    assertEquals(RankwiseCli.USER_ERROR, method.code());
    assertTrue(method.err().startsWith("rankwise: error: no method 'lora'; the methods are shared-lora"),
        method.err());
    assertTrue(!method.err().contains("\tat "), "no stack trace without --verbose: " + method.err());

    CliRun data = run("demo", "--data", out.resolve("missing").toString(), "--out", out.toString(), "--quick");
    assertEquals(RankwiseCli.USER_ERROR, data.code());
    assertTrue(data.err().contains("missing") && data.err().contains("no such folder"), data.err());

    CliRun task = run("predict", "--method", "rank-experts", "--task", "weather", "--data", "../data",
        "--out", out.toString(), "sunny");
    assertEquals(RankwiseCli.USER_ERROR, task.code());
    assertTrue(task.err().contains("weather") && task.err().contains("[spam, finefood, grain, corn]"), task.err());

    CliRun usage = run("train", "--data", "../data");
    assertEquals(RankwiseCli.USER_ERROR, usage.code());
    assertTrue(usage.err().contains("--method"), usage.err());
  }

  @Test
  @Order(4)
  void adaptersOfAnotherMethodAreRefusedByName() {
    CliRun mismatch = run(with(new String[] {"eval", "--method", "shared-lora", "--adapters",
        out.resolve("adapters").resolve("rank-experts").toString(), "--out", out.toString()}, SMALL));
    assertEquals(RankwiseCli.USER_ERROR, mismatch.code(), mismatch.err());
    assertTrue(mismatch.err().contains("adapter_config.json") || mismatch.err().contains("SharedLora"),
        mismatch.err());
  }

  @Test
  @Order(5)
  void theExperimentResumesAndNeverRunsAFinishedCellAgain() throws Exception {
    Path study = out.resolve("study-run");
    String[] args = {"experiment", "--seeds", "2", "--cells", "claim2/shared-lora/", "--train-rows", "16",
        "--test-rows", "24", "--data", "../data", "--out", study.toString()};
    CliRun first = run(args);
    assertEquals(0, first.code(), first.err());
    assertTrue(first.err().contains("2 cells, 0 already in"), first.err());
    Path results = study.resolve("study/results.jsonl");
    List<String> lines = Files.readAllLines(results);
    assertEquals(2, lines.size());

    CliRun again = run(args);
    assertEquals(0, again.code(), again.err());
    assertTrue(again.err().contains("2 cells, 2 already in"), again.err());
    assertEquals(lines, Files.readAllLines(results), "nothing ran again");
    String report = Files.readString(study.resolve("study/REPORT.md"));
    assertTrue(report.contains("Smoke run: sizes overridden"), "a smoke run says so");
    assertTrue(report.contains("| shared LoRA r=16 | 49,152 |"), report);
  }

  @Test
  @Order(6)
  void aCellGivesTheSameMetricsAloneAsAfterOtherRuns() throws Exception {
    String[] sizes = {"--seeds", "2", "--train-rows", "16", "--test-rows", "24", "--data", "../data"};
    Path together = out.resolve("cells-together");
    Path alone = out.resolve("cell-alone");
    // Seed 0 then seed 1 in one process; then seed 1 alone, after a process state left by seed 1.
    assertEquals(0, run(with(new String[] {"experiment", "--cells", "claim1/lora-8/grain/", "--out",
        together.toString()}, sizes)).code());
    assertEquals(0, run(with(new String[] {"experiment", "--cells", "claim1/lora-8/grain/seed=1", "--out",
        alone.toString()}, sizes)).code());
    String afterAnother = Files.readAllLines(together.resolve("study/results.jsonl")).get(1);
    String byItself = Files.readAllLines(alone.resolve("study/results.jsonl")).get(0);
    assertTrue(afterAnother.contains("seed\":1") && byItself.contains("seed\":1"), afterAnother);
    assertEquals(metrics(byItself), metrics(afterAnother), "a run depends on its own seed only");
  }

  @Test
  @Order(6)
  void theTunedGridTunesOnValidationThenRunsAtTheBestRate() throws Exception {
    Path study = out.resolve("tuned-run");
    String[] args = {"experiment", "--grid", "tuned", "--bases", "all-MiniLM-L6-v2", "--placements", "top-two",
        "--seeds", "1", "--cells", "claim2/shared-lora/", "--train-rows", "10", "--test-rows", "4",
        "--data", "../data", "--out", study.toString()};
    CliRun run = run(args);
    assertEquals(0, run.code(), run.err());
    List<String> lines = Files.readAllLines(study.resolve("tuned/results.jsonl"));
    assertEquals(5, lines.size(), "four tuning runs, then the final run");
    com.google.gson.JsonObject best = null;
    for (String line : lines.subList(0, 4)) {
      com.google.gson.JsonObject tuning = com.google.gson.JsonParser.parseString(line).getAsJsonObject();
      assertEquals(tuning.getAsJsonObject("cell").get("learningRate").getAsDouble(),
          tuning.get("learningRate").getAsDouble());
      // 8 training rows a task (2 of the 10 validate), 8 a step: one step an epoch, 10 epochs at most.
      assertTrue(tuning.get("steps").getAsInt() <= 10, "at most 10 epochs of one step: " + line);
      if (best == null || accuracy(tuning) > accuracy(best)) {
        best = tuning;
      }
    }
    com.google.gson.JsonObject last = com.google.gson.JsonParser.parseString(lines.get(4)).getAsJsonObject();
    assertEquals(0, last.getAsJsonObject("cell").get("learningRate").getAsDouble(), "a final run");
    assertEquals(best.get("learningRate").getAsDouble(), last.get("learningRate").getAsDouble(),
        "trained at the rate with the best validation accuracy");
    assertTrue(run.out().contains("Tuned grid: 5 of 5 runs"), run.out());
    String report = Files.readString(study.resolve("tuned/REPORT.md"));
    assertTrue(report.contains("## all-MiniLM-L6-v2, adapters on the top two layers"), report);
    assertTrue(report.contains("| 2 | shared LoRA r=16 |") && report.contains(" | 1 | "), report);

    CliRun again = run(args);
    assertEquals(0, again.code(), again.err());
    assertEquals(lines, Files.readAllLines(study.resolve("tuned/results.jsonl")), "nothing ran again");

    // Any recorded cell runs again alone to the same figures; the final run takes its rate from the recorded tuning.
    String finalId = "claim2/shared-lora/spam+finefood+grain+corn/all-MiniLM-L6-v2/top-two/seed=0";
    String[] sizes = {"--train-rows", "10", "--test-rows", "4", "--data", "../data"};
    CliRun same;
    try (OutputLock grid = OutputLock.acquire(study, "a grid running in the same folder")) {
      same = run(with(new String[] {"experiment", "--grid", "tuned", "--reproduce", finalId, "--out",
          study.toString()}, sizes));
    }
    assertEquals(0, same.code(), same.err() + same.out());
    assertTrue(same.out().contains("Reproduced: the same steps"), same.out());
    assertTrue(same.err().contains("reproduce done: "), "training progress on standard error: " + same.err());
    assertEquals(lines, Files.readAllLines(study.resolve("tuned/results.jsonl")), "--reproduce writes nothing");
    // A record the code does not give again is named, figure by figure.
    Path tampered = out.resolve("tuned-tampered").resolve("tuned");
    Files.createDirectories(tampered);
    com.google.gson.JsonObject changed = com.google.gson.JsonParser.parseString(lines.get(4)).getAsJsonObject();
    com.google.gson.JsonObject spam = changed.getAsJsonObject("metrics").getAsJsonObject("spam");
    spam.addProperty("accuracy", spam.get("accuracy").getAsDouble() == 0.5 ? 0.25 : 0.5);
    Files.write(tampered.resolve("results.jsonl"), List.of(lines.get(0), lines.get(1), lines.get(2), lines.get(3),
        changed.toString()));
    CliRun differs = run(with(new String[] {"experiment", "--grid", "tuned", "--reproduce", finalId, "--out",
        tampered.getParent().toString()}, sizes));
    assertEquals(5, differs.code(), differs.err() + differs.out());
    assertTrue(differs.out().contains("Not reproduced: spam accuracy"), differs.out());
    CliRun unknown = run(with(new String[] {"experiment", "--grid", "tuned", "--reproduce", finalId.replace("seed=0",
        "seed=7"), "--out", study.toString()}, sizes));
    assertEquals(2, unknown.code(), unknown.err());
    assertTrue(unknown.err().contains("holds no run") && unknown.err().contains("seed=7"), unknown.err());
    Files.write(tampered.resolve("results.jsonl"), List.of(lines.get(4)));
    CliRun untuned = run(with(new String[] {"experiment", "--grid", "tuned", "--reproduce", finalId, "--out",
        tampered.getParent().toString()}, sizes));
    assertEquals(2, untuned.code(), untuned.err());
    assertTrue(untuned.err().contains("lacks the tuning runs"), untuned.err());
    CliRun mixed = run(with(new String[] {"experiment", "--grid", "tuned", "--reproduce", finalId, "--seeds", "3",
        "--out", study.toString()}, sizes));
    assertEquals(2, mixed.code(), mixed.err());
    assertTrue(mixed.err().contains("it takes no --seeds"), mixed.err());
    CliRun filtered = run(with(new String[] {"experiment", "--grid", "tuned", "--reproduce", finalId, "--cells",
        "no-such-cell", "--out", study.toString()}, sizes));
    assertEquals(2, filtered.code(), filtered.err());
    assertTrue(filtered.err().contains("it takes no --cells"), "refused before the grid is listed: " + filtered.err());
    // A run of a method the grid no longer runs (results kept from before the grid was cut to the verdicts'
    // pairs) is not counted as one of the grid's.
    Files.writeString(study.resolve("tuned/results.jsonl"), lines.get(4).replace("\"shared-lora\"", "\"per-task-lora\"")
        + "\n", java.nio.file.StandardOpenOption.APPEND);
    CliRun reported = run("experiment", "--grid", "tuned", "--bases", "all-MiniLM-L6-v2", "--seeds", "1", "--cells",
        "claim2/shared-lora/", "--report-only", "--out", study.toString());
    assertEquals(0, reported.code(), reported.err());
    assertTrue(reported.out().contains("Tuned grid: 5 of 5 runs"), reported.out());
    // Without a selection the report still reads every run, and the console counts those, not the default grid's.
    CliRun whole = run("experiment", "--grid", "tuned", "--seeds", "1", "--report-only", "--out", study.toString());
    assertEquals(0, whole.code(), whole.err());
    assertTrue(whole.out().contains("Tuned grid: all 5 runs in"), whole.out());
    String header = Files.readString(study.resolve("tuned/REPORT.md"));
    assertTrue(header.contains("from 5 runs in `results.jsonl`") && header.contains("also holds 1 run of methods"
        + " the grid no longer runs"), header);
    CliRun wrong = run("experiment", "--bases", "e5-small-v2", "--out", study.toString());
    assertEquals(2, wrong.code(), wrong.err());
    assertTrue(wrong.err().contains("--grid tuned"), wrong.err());
  }

  private static double accuracy(com.google.gson.JsonObject run) {
    double sum = 0;
    int tasks = 0;
    for (var task : run.getAsJsonObject("metrics").entrySet()) {
      sum += task.getValue().getAsJsonObject().get("accuracy").getAsDouble();
      tasks++;
    }
    return sum / tasks;
  }

  @Test
  @Order(7)
  void aReadOnlyOutIsAnIoErrorNamingThePath() throws Exception {
    Path readOnly = out.resolve("read-only");
    Files.createDirectories(readOnly);
    try (ReadOnly folder = ReadOnly.make(readOnly)) {
      CliRun result = run(with(new String[] {"train", "--method", "shared-lora", "--out", readOnly.toString()}, SMALL));
      assertEquals(74, result.code(), result.err());
      assertTrue(result.err().startsWith("rankwise: I/O error: " + readOnly), result.err());
      assertTrue(result.err().lines().count() == 1, "one line, no stack trace: " + result.err());
    }
  }

  @Test
  @Order(8)
  void theExitCodesAgreeInCodeHelpAndDocs() throws Exception {
    String help = run("--help").out();
    String docs = Files.readString(Path.of("../docs/CLI.md"));
    int start = docs.indexOf("Exit codes:");
    assertTrue(start >= 0, "docs/CLI.md lists the exit codes");
    String sentence = docs.substring(start, docs.indexOf("\n\n", start)).replace('\n', ' ');
    for (int code : new int[] {0, 1, 2, 3, 4, 5, 74, 130, 143}) {
      assertTrue(help.lines().anyMatch(line -> line.trim().startsWith(code + " ")), code + " in rankwise --help:\n" + help);
      assertTrue(sentence.contains(" " + code + " "), code + " in docs/CLI.md: " + sentence);
    }
    assertTrue(sentence.contains("130 stopped by Ctrl-C") && sentence.contains("143 stopped by SIGTERM"), sentence);
  }

  /** Makes a folder unwritable for the test: as root by the immutable attribute, else by its permissions. */
  private record ReadOnly(Path folder, boolean immutable) implements AutoCloseable {
    static ReadOnly make(Path folder) throws Exception {
      boolean root = "root".equals(System.getProperty("user.name"));
      if (root) {
        Assumptions.assumeTrue(new ProcessBuilder("chattr", "+i", folder.toString()).start().waitFor() == 0,
            "as root, only chattr +i makes a folder unwritable");
      } else {
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("r-xr-xr-x"));
      }
      ReadOnly made = new ReadOnly(folder, root);
      try {
        Files.createFile(folder.resolve("probe"));
        made.close();
        Assumptions.abort("cannot make " + folder + " unwritable here");
      } catch (IOException expected) {
        // Unwritable, as wanted.
      }
      return made;
    }

    @Override
    public void close() throws IOException {
      if (immutable) {
        try {
          new ProcessBuilder("chattr", "-i", folder.toString()).start().waitFor();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      } else {
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    }
  }

  private static String metrics(String line) {
    return line.substring(line.indexOf("\"metrics\""));
  }
}
