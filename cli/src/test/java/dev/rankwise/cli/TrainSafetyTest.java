package dev.rankwise.cli;

import static dev.rankwise.cli.CliRun.run;
import static dev.rankwise.cli.CliRun.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code train} command on bad data and when stopped: malformed lines stop it with file:line or
 * are skipped and counted under {@code --skip-malformed}; SIGTERM (exit 143) and Ctrl-C (SIGINT,
 * exit 130) in a child process save a checkpoint, and {@code --resume} finishes the run with the
 * metrics of the run that was never stopped; a later run without {@code --resume} or {@code
 * --restart} does not overwrite the checkpoints; a second run on the same {@code --out} is refused.
 */
class TrainSafetyTest {

  private static final String[] SMALL = {"--train-rows", "32", "--test-rows", "40", "--epochs", "1",
      "--max-length", "32", "--seed", "3"};

  /** A copy of the vendored data whose spam training file ends in five malformed lines. */
  private static Path badData(Path root) throws IOException {
    for (String set : List.of("finefood", "reuters", "spam")) {
      Files.createDirectories(root.resolve(set));
      try (Stream<Path> files = Files.list(Path.of("../data", set))) {
        for (Path file : files.toList()) {
          Files.copy(file, root.resolve(set).resolve(file.getFileName()));
        }
      }
    }
    Path train = root.resolve("spam/train.jsonl");
    List<String> good = Files.readAllLines(train).subList(0, 60);
    Files.write(train, good);
    try (OutputStream out = Files.newOutputStream(train, java.nio.file.StandardOpenOption.APPEND)) {
      out.write("{\"text\": \"caf\u00e9 special offer\", \"label\": \"spam\"}\n".getBytes(StandardCharsets.ISO_8859_1));
      out.write("{\"text\": \"".getBytes(StandardCharsets.UTF_8));
      byte[] block = new byte[1 << 16];
      Arrays.fill(block, (byte) 'x');
      for (int i = 0; i < 160; i++) { // a 10 MiB line
        out.write(block);
      }
      out.write(("\", \"label\": \"ham\"}\n"
          + "{\"text\": \"hello\", \"label\": \"eggs\"}\n"
          + "{\"text\": \"\", \"label\": \"ham\"}\n"
          + "{\"text\": \"no label here\"}\n").getBytes(StandardCharsets.UTF_8));
    }
    return root;
  }

  @Test
  void malformedDataStopsAtFileAndLineOrIsSkippedAndCountedUnderTheFlag(@TempDir Path work) throws IOException {
    Path data = badData(work.resolve("data"));
    String[] train = with(new String[] {"train", "--method", "per-task-lora", "--data", data.toString()}, SMALL);

    CliRun strict = run(with(train, "--out", work.resolve("strict").toString()));
    assertEquals(RankwiseCli.USER_ERROR, strict.code(), strict.err());
    assertTrue(strict.err().contains("train.jsonl:61: invalid UTF-8"), strict.err());
    assertTrue(strict.err().lines().count() <= 3, "one clear line, no stack trace: " + strict.err());

    CliRun skipping = run(with(train, "--out", work.resolve("skipping").toString(), "--skip-malformed"));
    assertEquals(0, skipping.code(), skipping.err());
    assertTrue(skipping.err().contains("skipped 5 malformed lines of task 'spam'"), skipping.err());
    for (String line : List.of(":61: invalid UTF-8", ":62: line longer than", ":63: label \"eggs\"", ":64: ", ":65: ")) {
      assertTrue(skipping.err().contains(line), line + " in " + skipping.err());
    }
  }

  @Test
  void sigtermSavesACheckpointAndResumeFinishesAsTheUnstoppedRun(@TempDir Path work) throws Exception {
    String[] train = {"train", "--method", "shared-lora", "--data", "../data", "--train-rows", "400",
        "--test-rows", "40", "--max-length", "32", "--seed", "3", "--checkpoint-every", "1000"};
    CliRun unstopped = run(with(train, "--out", work.resolve("unstopped").toString()));
    assertEquals(0, unstopped.code(), unstopped.err());

    Path out = work.resolve("stopped");
    Process child = start(with(train, "--out", out.toString()));
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    Thread drain = drain(child, errors);
    awaitError(child, errors, "multi-task [");
    child.toHandle().destroy(); // SIGTERM; Process.destroy() would also close the pipes we read
    assertTrue(child.waitFor(2, TimeUnit.MINUTES), "the child did not stop");
    drain.join();
    String err = errors.toString(StandardCharsets.UTF_8);
    assertEquals(RankwiseCli.TERMINATED, child.exitValue(), "the exit status of SIGTERM: " + err);
    assertTrue(err.contains("stopping after this step"), err);
    assertTrue(err.contains("training stopped on request after step"), err);
    List<Path> checkpoints;
    try (Stream<Path> files = Files.list(out.resolve("checkpoints/shared-lora"))) {
      checkpoints = files.toList();
    }
    assertEquals(1, checkpoints.size(), checkpoints.toString());
    String saved = checkpoints.get(0).getFileName().toString();
    int step = Integer.parseInt(saved.replaceAll("\\D", ""));
    System.out.println("SIGTERM after step " + step + ", saved " + saved);

    CliRun resumed = run(with(train, "--out", out.toString(), "--resume"));
    assertEquals(0, resumed.code(), resumed.err());
    assertTrue(resumed.err().contains("resuming from") && resumed.err().contains("(step " + step + ")"), resumed.err());
    assertEquals(unstopped.metricLines(), resumed.metricLines(), "the resumed run ends as the unstopped one");

    CliRun again = run(with(train, "--out", out.toString()));
    assertEquals(RankwiseCli.USER_ERROR, again.code(), again.err());
    assertTrue(again.err().contains("--resume continues it, --restart discards them"), again.err());
  }

  @Test
  void resumeRefusesTrainingDataWithOneLabelFlipped(@TempDir Path work) throws Exception {
    Path data = work.resolve("data");
    Files.createDirectories(data.resolve("spam"));
    Files.copy(Path.of("../data/spam/tasks.json"), data.resolve("spam/tasks.json"));
    Files.write(data.resolve("spam/test.jsonl"), Files.readAllLines(Path.of("../data/spam/test.jsonl")).subList(0, 40));
    List<String> rows = new ArrayList<>(Files.readAllLines(Path.of("../data/spam/train.jsonl")).subList(0, 32));
    Path train = data.resolve("spam/train.jsonl");
    Files.write(train, rows);
    String[] command = {"train", "--method", "shared-lora", "--tasks", "spam", "--data", data.toString(),
        "--out", work.resolve("out").toString(), "--train-rows", "0", "--test-rows", "0", "--epochs", "1",
        "--max-length", "16", "--seed", "3"};
    CliRun first = run(command);
    assertEquals(0, first.code(), first.err());

    String row = rows.get(4);
    rows.set(4, row.contains("\"label\": \"ham\"") ? row.replace("\"label\": \"ham\"", "\"label\": \"spam\"")
        : row.replace("\"label\": \"spam\"", "\"label\": \"ham\""));
    assertTrue(!rows.get(4).equals(row), "the label was flipped");
    Files.write(train, rows);
    CliRun flipped = run(with(command, "--resume"));
    assertEquals(RankwiseCli.USER_ERROR, flipped.code(), flipped.err());
    assertTrue(flipped.err().contains("belongs to another run: the training rows of task 'spam' differ from the"
        + " checkpoint's"), flipped.err());
  }

  @Test
  void ctrlCSavesACheckpointAndExits130(@TempDir Path work) throws Exception {
    Assumptions.assumeFalse(sigintIgnored(), "SIGINT is ignored in this process and so in its children");
    Path out = work.resolve("interrupted");
    Process child = start("train", "--method", "shared-lora", "--data", "../data", "--train-rows", "400",
        "--test-rows", "40", "--max-length", "32", "--seed", "3", "--checkpoint-every", "1000", "--out", out.toString());
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    Thread drain = drain(child, errors);
    awaitError(child, errors, "multi-task [");
    assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(child.pid())).start().waitFor()); // Ctrl-C
    assertTrue(child.waitFor(2, TimeUnit.MINUTES), "the child did not stop");
    drain.join();
    String err = errors.toString(StandardCharsets.UTF_8);
    assertEquals(RankwiseCli.INTERRUPTED, child.exitValue(), "the exit status of Ctrl-C: " + err);
    assertTrue(err.contains("training stopped on request after step"), err);
    try (Stream<Path> files = Files.list(out.resolve("checkpoints/shared-lora"))) {
      assertEquals(1, files.count(), "a checkpoint was saved");
    }
  }

  /** Whether this JVM was started with SIGINT ignored (a background job of a script), as its children are. */
  private static boolean sigintIgnored() throws IOException {
    Path status = Path.of("/proc/self/status");
    if (!Files.isReadable(status)) {
      return false;
    }
    return Files.readAllLines(status).stream().filter(line -> line.startsWith("SigIgn:"))
        .anyMatch(line -> (Long.parseLong(line.substring(7).trim(), 16) & (1L << 1)) != 0);
  }

  @Test
  void aSecondRunOnTheSameOutIsRefusedNamingTheHolder(@TempDir Path work) throws Exception {
    Path out = work.resolve("out");
    String[] first = {"train", "--method", "shared-lora", "--data", "../data", "--train-rows", "400",
        "--test-rows", "40", "--max-length", "32", "--seed", "3", "--out", out.toString()};
    Process child = start(first);
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    Thread drain = drain(child, errors);
    try {
      awaitError(child, errors, "multi-task [");

      CliRun second = run(with(new String[] {"train", "--method", "per-task-lora", "--data", "../data", "--restart", "--out",
          out.toString()}, SMALL));

      assertEquals(RankwiseCli.USER_ERROR, second.code(), second.err());
      assertTrue(second.err().contains(out + " is in use by another rankwise run"), second.err());
      assertTrue(second.err().contains("pid " + child.pid()) && second.err().contains("rankwise train --method"
          + " shared-lora"), "names the holder: " + second.err());
      assertTrue(second.err().lines().count() <= 2, "one clear line: " + second.err());
      assertTrue(!Files.exists(out.resolve("adapters/per-task-lora")) && !Files.exists(out.resolve("checkpoints/per-task-lora")),
          "the refused run wrote nothing");
    } finally {
      child.toHandle().destroy();
      assertTrue(child.waitFor(2, TimeUnit.MINUTES), "the child did not stop");
      drain.join();
    }
  }

  /** A started thread copying the child's standard error into {@code errors}, so that its pipe never fills. */
  private static Thread drain(Process child, ByteArrayOutputStream errors) {
    Thread drain = new Thread(() -> {
      try {
        child.getErrorStream().transferTo(errors);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    drain.start();
    return drain;
  }

  private static Process start(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String property : List.of("ai.djl.offline", "ai.djl.default_engine", "ai.djl.pytorch.num_threads",
        "ai.djl.pytorch.num_interop_threads")) {
      Optional.ofNullable(System.getProperty(property)).ifPresent(value -> command.add("-D" + property + "=" + value));
    }
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(RankwiseCli.class.getName());
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
  }

  /** Waits until the child's standard error, drained into {@code errors}, contains {@code text}. */
  private static void awaitError(Process child, ByteArrayOutputStream errors, String text) throws InterruptedException {
    while (!errors.toString(StandardCharsets.UTF_8).contains(text)) {
      if (!child.isAlive()) {
        throw new AssertionError("the child ended before printing '" + text + "': " + errors.toString(StandardCharsets.UTF_8));
      }
      Thread.sleep(20);
    }
  }
}
