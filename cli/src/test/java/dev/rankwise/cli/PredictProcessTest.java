package dev.rankwise.cli;

import static dev.rankwise.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rankwise predict} in its own JVM, as {@code ./rankwise} runs it, prints its labels and
 * nothing from libtorch: libtorch writes warnings to file descriptor 2 once per process, past
 * {@code System.err}, so only a child process shows them. Loading the adapters printed
 * "AutoNonVariableTypeMode is deprecated" on every predict (docs/DESIGN.md §7).
 */
class PredictProcessTest {

  /** A libtorch warning line: {@code [W1203 18:40:33.180173860 LegacyTypeDispatch.h:74] Warning: ...}. */
  private static final Pattern LIBTORCH_WARNING = Pattern.compile("(?m)^\\[W\\d{4} .*\\] Warning: ");

  @TempDir Path out;

  @Test
  void predictPrintsItsLabelsAndNoLibtorchWarning() throws Exception {
    CliRun train = run("train", "--method", "shared-lora", "--data", "../data", "--train-rows", "16",
        "--test-rows", "16", "--epochs", "1", "--max-length", "32", "--seed", "3", "--out", out.toString());
    assertEquals(0, train.code(), train.err());

    Path stdout = out.resolve("predict.out");
    Path stderr = out.resolve("predict.err");
    Process predict = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), RankwiseCli.class.getName(), "predict",
        "--method", "shared-lora", "--task", "spam", "--max-length", "32", "--out", out.toString(),
        "Win a FREE prize now")
        .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
    assertTrue(predict.waitFor(2, TimeUnit.MINUTES), "predict did not finish");
    String errors = Files.readString(stderr);
    assertEquals(0, predict.exitValue(), errors);
    List<String> lines = Files.readAllLines(stdout);
    assertEquals(1, lines.size(), String.join("\n", lines));
    assertTrue(lines.get(0).matches("(ham|spam)\t[01]\\.\\d{4}"), lines.get(0));
    assertTrue(!errors.contains("AutoNonVariableTypeMode") && !LIBTORCH_WARNING.matcher(errors).find(),
        "libtorch warned on standard error:\n" + errors);
  }
}
