package dev.rankwise.cli;

import dev.rankwise.runtime.NativeAllocator;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every command takes. */
final class CommonOptions {

  @Option(names = "--data", paramLabel = "DIR", defaultValue = "data",
      description = "Folder of task sets (each a tasks.json and <split>.jsonl files). Default: ${DEFAULT-VALUE}.")
  Path data;

  @Option(names = "--out", paramLabel = "DIR", defaultValue = "rankwise-out",
      description = "Folder for adapters and reports. Default: ${DEFAULT-VALUE}.")
  Path out;

  @Option(names = "--threads", paramLabel = "N",
      description = "PyTorch intra-op threads (default: ai.djl.pytorch.num_threads if set, else the cores).")
  Integer threads;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
      description = "Seed of data subsets, initialisation and shuffling. Default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(names = "--verbose", description = "Print stack traces of errors.")
  boolean verbose;

  /** Sets the engine's properties and the native allocator; must run before DJL loads its engine. */
  void applyToEngine() {
    if (threads != null) {
      if (threads < 1) {
        throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
      }
      System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
    } else if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
      System.setProperty("ai.djl.pytorch.num_threads",
          Integer.toString(Runtime.getRuntime().availableProcessors()));
    }
    setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
    setIfAbsent("ai.djl.offline", "true");
    setIfAbsent("ai.djl.default_engine", "PyTorch");
    setIfAbsent("java.awt.headless", "true");
    NativeAllocator.keepFreedMemory();
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
