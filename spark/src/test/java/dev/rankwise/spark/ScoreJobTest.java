package dev.rankwise.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.rankwise.runtime.io.ClassifierRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job's command line: a run in local[2] and the one-line errors of bad input. */
class ScoreJobTest {

  @TempDir Path folder;

  @Test
  void scoresAFileIntoJsonLinesWithLabelAndProbability() throws Exception {
    List<InputRow> rows = InputRow.fromTestSplits(Fixtures.DATA, Fixtures.TASKS, 5, 2);
    InputRow.write(folder.resolve("in.jsonl"), rows);
    Fixtures.Captured job = Fixtures.run(() -> ScoreJob.run("--master", "local[2]", "--input",
        folder.resolve("in.jsonl").toString(), "--adapters", adaptersFolder().toString(), "--output",
        folder.resolve("out").toString(), "--max-length", Integer.toString(Fixtures.MAX_LENGTH)));
    assertEquals(0, job.code(), job.err());
    assertTrue(job.err().contains("rankwise-spark: scored 20 rows in"), job.err());
    List<String> lines;
    try (Stream<Path> parts = Files.list(folder.resolve("out"))) {
      lines = parts.filter(p -> p.getFileName().toString().startsWith("part-")).sorted()
          .flatMap(p -> {
            try {
              return Files.readAllLines(p).stream();
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }).toList();
    }
    assertEquals(rows.size(), lines.size());
    for (String line : lines) {
      JsonObject row = JsonParser.parseString(line).getAsJsonObject();
      String task = row.get("task").getAsString();
      List<String> labels = ClassifierRecord.read(adaptersFolder()).labels().get(task);
      assertTrue(labels.contains(row.get("label").getAsString()), line);
      double probability = row.get("probability").getAsDouble();
      assertTrue(probability >= 0.5 && probability <= 1, line);
      assertEquals(rows.get(row.get("id").getAsInt()).text(), row.get("text").getAsString());
    }
  }

  @Test
  void anUnknownTaskIsAUserErrorWithOneLine() throws Exception {
    Files.writeString(folder.resolve("in.jsonl"), "{\"task\": \"spam\", \"text\": \"Hi\"}\n"
        + "{\"task\": \"urgent\", \"text\": \"Call me\"}\n");
    Fixtures.Captured job = Fixtures.run(() -> ScoreJob.run("--master", "local[2]", "--input",
        folder.resolve("in.jsonl").toString(), "--adapters", adaptersFolder().toString(), "--output",
        folder.resolve("out").toString()));
    assertEquals(ScoreJob.USER_ERROR, job.code());
    assertEquals("rankwise-spark: error: the input has rows of task(s) [urgent] that the adapters in "
        + adaptersFolder() + " do not route; their tasks are [spam, finefood, grain, corn]", job.err().strip());
  }

  @Test
  void aMalformedLineIsAUserError() throws Exception {
    Files.writeString(folder.resolve("in.jsonl"), "{\"task\": \"spam\", \"text\": \"Hi\"}\nnot json\n");
    Fixtures.Captured job = Fixtures.run(() -> ScoreJob.run("--master", "local[2]", "--input",
        folder.resolve("in.jsonl").toString(), "--adapters", adaptersFolder().toString(), "--output",
        folder.resolve("out").toString()));
    assertEquals(ScoreJob.USER_ERROR, job.code());
    assertEquals("rankwise-spark: error: the input has 1 malformed line(s): each line must be a JSON object such as"
        + " {\"task\": \"spam\", \"text\": \"...\"}", job.err().strip());
  }

  @Test
  void missingAdaptersAreAUserErrorBeforeSparkStarts() {
    Fixtures.Captured job = Fixtures.run(() -> ScoreJob.run("--master", "local[2]", "--input", "in.jsonl",
        "--adapters", folder.resolve("none").toString(), "--output", folder.resolve("out").toString()));
    assertEquals(ScoreJob.USER_ERROR, job.code());
    assertEquals("rankwise-spark: error: no adapter_model.safetensors in " + folder.resolve("none")
        + "; train adapters first (rankwise train --method ID saves them into rankwise-out/adapters/ID)",
        job.err().strip());
  }

  @Test
  void adaptersSavedWithoutTheirLabelsAreAUserErrorSayingHowToSaveThemAgain() throws Exception {
    Path old = Files.createDirectories(folder.resolve("old"));
    for (String file : List.of("adapter_model.safetensors", "adapter_config.json")) {
      Files.copy(adaptersFolder().resolve(file), old.resolve(file));
    }
    JsonObject config = JsonParser.parseString(Files.readString(old.resolve("adapter_config.json"))).getAsJsonObject();
    config.getAsJsonObject("rankwise").remove("encoder");
    config.getAsJsonObject("rankwise").remove("labels");
    Files.writeString(old.resolve("adapter_config.json"), config.toString());
    Files.writeString(folder.resolve("in.jsonl"), "{\"task\": \"spam\", \"text\": \"Hi\"}\n");
    Fixtures.Captured job = Fixtures.run(() -> ScoreJob.run("--master", "local[2]", "--input",
        folder.resolve("in.jsonl").toString(), "--adapters", old.toString(), "--output",
        folder.resolve("out").toString()));
    assertEquals(ScoreJob.USER_ERROR, job.code());
    assertTrue(job.err().startsWith("rankwise-spark: error: " + old.resolve("adapter_config.json") + ": no 'encoder'"
        + " in its rankwise section: these adapters were saved without their encoder's name and their tasks'"
        + " labels, so they cannot be served on their own. Save them again with TaskClassifier.save"), job.err());
  }

  private static Path adaptersFolder() {
    try {
      return Fixtures.adapters().toAbsolutePath();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
