package dev.rankwise.cli;

import static dev.rankwise.cli.CliRun.run;
import static dev.rankwise.cli.CliRun.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rankwise.runtime.io.ClassifierRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's own labelled data trains, evaluates and predicts with no Java written: a task the code
 * never names, three labels of its own, CSV files, a validation fraction for model selection.
 */
class OwnTasksTest {

  private static final List<String> LEVELS = List.of("calm", "busy", "alarm");
  private static final String[][] WORDS = {
      {"quiet", "relaxed", "holiday", "coffee", "garden"},
      {"meeting", "deadline", "schedule", "report", "review"},
      {"fire", "outage", "breach", "emergency", "crash"}};

  /** A folder with a tasks.json naming {@code mood} and CSV splits of seeded texts. */
  static Path moodData(Path folder) throws IOException {
    Files.createDirectories(folder);
    Files.writeString(folder.resolve("tasks.json"), "{\"tasks\": [{\"name\": \"mood\", \"textField\": \"message\","
        + " \"labelField\": \"level\", \"labels\": [\"calm\", \"busy\", \"alarm\"]}]}");
    Random random = new Random(7);
    for (String split : List.of("train", "test")) {
      StringBuilder csv = new StringBuilder("id,message,level\n");
      for (int row = 0; row < 60; row++) {
        int level = row % 3;
        String[] words = WORDS[level];
        csv.append(row).append(",\"").append(words[random.nextInt(5)]).append(", ")
            .append(words[random.nextInt(5)]).append(" today\",").append(LEVELS.get(level)).append('\n');
      }
      Files.writeString(folder.resolve(split + ".csv"), csv);
    }
    return folder;
  }

  @Test
  void aTaskOfTheUsersOwnTrainsEvaluatesAndPredictsFromItsFolder(@TempDir Path work) throws IOException {
    Path data = moodData(work.resolve("mood"));
    Path out = work.resolve("out");
    String[] settings = {"--data", data.toString(), "--out", out.toString(), "--train-rows", "48",
        "--test-rows", "30", "--epochs", "2", "--max-length", "16", "--seed", "1"};

    CliRun train = run(with(new String[] {"train", "--method", "per-task-lora", "--validation-fraction", "0.25",
        "--evaluate-every", "2"}, settings));
    assertEquals(0, train.code(), train.err());
    assertTrue(train.out().contains("mood"), train.out());
    assertTrue(train.err().contains("validation"), "the held-out rows select the weights: " + train.err());
    Path adapters = out.resolve("adapters/per-task-lora");
    assertEquals(Map.of("mood", LEVELS), ClassifierRecord.read(adapters).labels(), "the labels travel with the adapters");

    CliRun eval = run(with(new String[] {"eval", "--adapters", adapters.toString()}, settings));
    assertEquals(0, eval.code(), eval.err());
    assertEquals(1, eval.metricLines().size(), eval.out());

    CliRun predict = run("predict", "--adapters", adapters.toString(), "--task", "mood", "fire outage now");
    assertEquals(0, predict.code(), predict.err());
    assertTrue(LEVELS.contains(predict.out().strip().split("\t")[0]), predict.out());
  }

  @Test
  void evalRefusesDataWhoseLabelsDisagreeWithTheTrainedOnes(@TempDir Path work) throws IOException {
    Path data = moodData(work.resolve("mood"));
    Path out = work.resolve("out");
    String[] settings = {"--data", data.toString(), "--out", out.toString(), "--train-rows", "12",
        "--test-rows", "6", "--epochs", "1", "--max-length", "8"};
    assertEquals(0, run(with(new String[] {"train", "--method", "shared-lora"}, settings)).code());
    Files.writeString(data.resolve("tasks.json"), Files.readString(data.resolve("tasks.json"))
        .replace("[\"calm\", \"busy\", \"alarm\"]", "[\"busy\", \"calm\", \"alarm\"]"));

    CliRun eval = run(with(new String[] {"eval", "--method", "shared-lora"}, settings));
    assertEquals(2, eval.code(), eval.out());
    assertTrue(eval.err().contains("task 'mood': the adapters in " + out.resolve("adapters/shared-lora")
        + " were trained with labels [calm, busy, alarm] (in that order), but " + data + " declares"
        + " [busy, calm, alarm]"), eval.err());
  }

  @Test
  void aBaseThatIsNotTheAdaptersOrDoesNotExistIsRefusedWithWhatDiffers(@TempDir Path work) throws IOException {
    Path data = moodData(work.resolve("mood"));
    Path out = work.resolve("out");
    String[] settings = {"--data", data.toString(), "--out", out.toString(), "--train-rows", "12",
        "--test-rows", "6", "--epochs", "1", "--max-length", "8"};

    CliRun nowhere = run(with(new String[] {"train", "--method", "shared-lora", "--base", "no-such-model"}, settings));
    assertEquals(2, nowhere.code(), nowhere.out());
    assertTrue(nowhere.err().contains("base 'no-such-model' is neither a shipped base"), nowhere.err());
    CliRun pooled = run(with(new String[] {"train", "--method", "shared-lora", "--pooling", "cls"}, settings));
    assertEquals(2, pooled.code(), pooled.out());
    assertTrue(pooled.err().contains("is a shipped base with its own pooling"), pooled.err());

    assertEquals(0, run(with(new String[] {"train", "--method", "shared-lora"}, settings)).code());
    Path adapters = out.resolve("adapters/shared-lora");
    CliRun other = run("predict", "--adapters", adapters.toString(), "--base", "e5-small-v2", "--task", "mood", "hi");
    assertEquals(2, other.code(), other.out());
    assertTrue(other.err().contains("were trained on sentence-transformers/all-MiniLM-L6-v2, not on"
        + " intfloat/e5-small-v2"), other.err());
    CliRun prefixed = run("predict", "--adapters", adapters.toString(), "--pooling", "mean", "--task", "mood", "hi");
    assertEquals(2, prefixed.code(), prefixed.out());
    assertTrue(prefixed.err().contains("saved adapters record their pooling"), prefixed.err());
  }
}
