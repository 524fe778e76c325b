package dev.rankwise.cli;

import static dev.rankwise.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Shared LoRA over the shipped data's four tasks (spam, finefood, grain, corn), trained once per test
 * JVM in seconds (16 rows a task, one epoch, 32 tokens) for the serving tests, and deleted at exit.
 */
final class ServeFixture {

  private static Path out;

  private ServeFixture() {}

  /** The training's --out folder; its adapters are in {@code adapters/shared-lora}. */
  static synchronized Path out() throws IOException {
    if (out == null) {
      Path folder = Files.createTempDirectory("rankwise-serve-fixture");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(folder)));
      CliRun train = run("train", "--method", "shared-lora", "--data", "../data", "--train-rows", "16",
          "--test-rows", "8", "--epochs", "1", "--max-length", "32", "--seed", "3", "--out", folder.toString());
      assertEquals(0, train.code(), train.err());
      out = folder;
    }
    return out;
  }

  /** The trained adapter folder. */
  static Path adapters() throws IOException {
    return out().resolve("adapters/shared-lora");
  }

  private static void delete(Path folder) {
    try (Stream<Path> files = Files.walk(folder)) {
      files.sorted(Comparator.reverseOrder()).forEach(file -> {
        try {
          Files.deleteIfExists(file);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException | UncheckedIOException e) {
      // Left in the temporary folder; the system cleans it.
    }
  }
}
