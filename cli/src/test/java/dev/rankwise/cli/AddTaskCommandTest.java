package dev.rankwise.cli;

import static dev.rankwise.cli.CliRun.run;
import static dev.rankwise.cli.CliRun.with;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rankwise.runtime.io.ClassifierRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rankwise train}, {@code add-task} and {@code predict} end to end on the real model and data,
 * cut short: adapters trained on two tasks take a third; the new folder predicts the new task, the earlier tasks exactly as the
 * source folder does, and the source folder is left as it was. Adapters shared by every task are
 * refused with a user error that names the methods that can.
 */
class AddTaskCommandTest {

  private static final String[] SMALL = {"--data", "../data", "--train-rows", "32", "--test-rows", "40",
      "--epochs", "1", "--max-length", "32", "--seed", "3"};
  private static final List<String> EARLIER = List.of("spam", "grain");
  private static final String[] TEXTS = {"WIN a FREE prize now, click here", "Meeting moved to 3pm, see agenda.",
      "Corn futures fell as the harvest came in above forecasts."};

  @TempDir Path out;

  @Test
  void aTaskIsAddedAndTheOthersPredictAsBefore() throws Exception {
    Path source = train("per-task-lora");
    byte[] weights = Files.readAllBytes(source.resolve("adapter_model.safetensors"));
    byte[] config = Files.readAllBytes(source.resolve("adapter_config.json"));
    Path extended = out.resolve("extended");

    CliRun add = run(with(new String[] {"add-task", "--adapters", source.toString(), "--task", "corn",
        "--into", extended.toString(), "--out", out.toString()}, SMALL));
    assertEquals(0, add.code(), add.err());
    assertEquals(1, add.metricLines().size(), add.out());
    assertTrue(add.metricLines().get(0).startsWith("corn:"), add.out());
    assertTrue(add.out().contains("spam, grain: unchanged"), add.out());
    assertEquals(List.of("spam", "grain", "corn"), ClassifierRecord.read(extended).tasks());
    assertArrayEquals(weights, Files.readAllBytes(source.resolve("adapter_model.safetensors")), "source kept");
    assertArrayEquals(config, Files.readAllBytes(source.resolve("adapter_config.json")), "source kept");

    for (String task : EARLIER) {
      CliRun before = predict(source, task);
      CliRun after = predict(extended, task);
      assertEquals(0, after.code(), after.err());
      assertEquals(before.out(), after.out(), task + " predicts as before");
    }
    CliRun corn = predict(extended, "corn");
    assertEquals(0, corn.code(), corn.err());
    assertEquals(TEXTS.length, corn.out().lines().count(), corn.out());
    corn.out().lines().forEach(line -> assertTrue(List.of("0", "1").contains(line.split("\t")[0]), line));

    CliRun again = run(with(new String[] {"add-task", "--adapters", extended.toString(), "--task", "corn",
        "--into", out.resolve("twice").toString(), "--out", out.toString()}, SMALL));
    assertEquals(RankwiseCli.USER_ERROR, again.code(), again.err());
    assertTrue(again.err().contains("route task 'corn' already"), again.err());
    CliRun over = run(with(new String[] {"add-task", "--adapters", source.toString(), "--task", "corn",
        "--into", source.toString(), "--out", out.toString()}, SMALL));
    assertEquals(RankwiseCli.USER_ERROR, over.code(), over.err());
    assertTrue(over.err().contains("is the source folder"), over.err());
  }

  @Test
  void sharedAdaptersAreRefusedNamingTheMethodsThatCan() throws Exception {
    Path source = train("shared-lora");
    CliRun add = run(with(new String[] {"add-task", "--adapters", source.toString(), "--task", "corn",
        "--out", out.toString()}, SMALL));
    assertEquals(RankwiseCli.USER_ERROR, add.code(), add.err());
    assertTrue(add.err().contains("cannot take a new task") && add.err().contains("per-task LoRA")
        && add.err().contains("task-routed rank experts"), add.err());
    assertTrue(Files.notExists(out.resolve("adapters").resolve("shared-lora+corn")), "nothing written");
  }

  /** {@code rankwise train} of a method on the earlier tasks only, into --out/adapters/<method>. */
  private Path train(String method) {
    CliRun train = run(with(new String[] {"train", "--method", method, "--tasks", String.join(",", EARLIER),
        "--out", out.toString()}, SMALL));
    assertEquals(0, train.code(), train.err());
    return out.resolve("adapters").resolve(method);
  }

  private static CliRun predict(Path adapters, String task) {
    return run(with(new String[] {"predict", "--adapters", adapters.toString(), "--task", task}, TEXTS));
  }
}
