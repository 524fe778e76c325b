package dev.rankwise.reporting;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** A one-line description of the machine a run used, for reports. */
public final class Machine {

  private Machine() {}

  /** CPU model (from /proc/cpuinfo where there is one), cores, threads, memory, OS and Java. */
  public static String describe() {
    String threads = System.getProperty("ai.djl.pytorch.num_threads", "default");
    return String.format(java.util.Locale.ROOT, "%s, %d cores, PyTorch threads %s, %s %s, Java %s",
        cpuModel().orElse(System.getProperty("os.arch")), Runtime.getRuntime().availableProcessors(), threads,
        System.getProperty("os.name"), System.getProperty("os.version"), System.getProperty("java.version"));
  }

  private static Optional<String> cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
          .filter(line -> line.startsWith("model name"))
          .map(line -> line.substring(line.indexOf(':') + 1).trim())
          .findFirst();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
