package dev.rankwise.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
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
    List<InputRow> rows = InputRow.fromTestSplits(Fixtures.DATA, Fixtures.spec(Strategy.MIXED).tasks(), 5, 2);
    InputRow.write(folder.resolve("in.jsonl"), rows);
    Fixtures.Captured job = Fixtures.run(() -> ScoreJob.run("--master", "local[2]", "--input",
        folder.resolve("in.jsonl").toString(), "--method", Fixtures.METHOD, "--adapters",
        adaptersFolder().toString(), "--data", Fixtures.DATA.toString(), "--output",
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
      List<String> labels = Fixtures.spec(Strategy.MIXED).labels().get(Fixtures.spec(Strategy.MIXED).taskId(task));
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
        folder.resolve("in.jsonl").toString(), "--method", Fixtures.METHOD, "--adapters",
        adaptersFolder().toString(), "--data", Fixtures.DATA.toString(), "--output", folder.resolve("out").toString()));
    assertEquals(ScoreJob.USER_ERROR, job.code());
    assertEquals("rankwise-spark: error: the input has rows of task(s) [urgent] that rank-experts does not route;"
        + " its tasks are [spam, finefood, grain, corn]", job.err().strip());
  }

  @Test
  void aMalformedLineIsAUserError() throws Exception {
    Files.writeString(folder.resolve("in.jsonl"), "{\"task\": \"spam\", \"text\": \"Hi\"}\nnot json\n");
    Fixtures.Captured job = Fixtures.run(() -> ScoreJob.run("--master", "local[2]", "--input",
        folder.resolve("in.jsonl").toString(), "--method", Fixtures.METHOD, "--adapters",
        adaptersFolder().toString(), "--data", Fixtures.DATA.toString(), "--output", folder.resolve("out").toString()));
    assertEquals(ScoreJob.USER_ERROR, job.code());
    assertEquals("rankwise-spark: error: the input has 1 malformed line(s): each line must be a JSON object such as"
        + " {\"task\": \"spam\", \"text\": \"...\"}", job.err().strip());
  }

  @Test
  void missingAdaptersAreAUserErrorBeforeSparkStarts() {
    Fixtures.Captured job = Fixtures.run(() -> ScoreJob.run("--master", "local[2]", "--input", "in.jsonl",
        "--method", Fixtures.METHOD, "--adapters", folder.resolve("none").toString(), "--data",
        Fixtures.DATA.toString(), "--output", folder.resolve("out").toString()));
    assertEquals(ScoreJob.USER_ERROR, job.code());
    assertEquals("rankwise-spark: error: no adapter_model.safetensors in " + folder.resolve("none")
        + "; train the method first (rankwise train --method rank-experts)", job.err().strip());
  }

  private static Path adaptersFolder() {
    try {
      return Fixtures.adapters().toAbsolutePath();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
