package dev.rankwise.reporting;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's memory after a step: resident set (native and Java together, from {@code
 * /proc/self/status}; -1 where there is none), Java heap in use after a collection, and the
 * number of live NDArrays in every manager of the engine.
 *
 * @param step the step just taken
 * @param seconds since the soak started
 * @param residentBytes resident set size, or -1 if unknown
 * @param heapBytes Java heap in use after {@code System.gc()}
 * @param liveArrays NDArrays held by all managers of the engine
 * @param loss the step's objective
 */
public record MemorySample(int step, double seconds, long residentBytes, long heapBytes, int liveArrays, double loss) {

  /** Measures now. */
  public static MemorySample take(int step, double seconds, double loss) {
    System.gc();
    Runtime runtime = Runtime.getRuntime();
    long heap = runtime.totalMemory() - runtime.freeMemory();
    int arrays;
    try (NDManager probe = NDManager.newBaseManager()) {
      // Every base manager is a child of the engine's system manager, which thus sees every array.
      arrays = probe.getParentManager().getManagedArrays().size();
    }
    return new MemorySample(step, seconds, readStatus("VmRSS:"), heap, arrays, loss);
  }

  /** The most resident memory the process has had so far ({@code VmHWM}), or -1 if unknown. */
  public static long peakResidentBytes() {
    return readStatus("VmHWM:");
  }

  /** Another process's resident set ({@code VmRSS}), such as a server's under load, or -1 if unknown. */
  public static long residentBytes(ProcessHandle process) {
    return readStatus(Path.of("/proc", Long.toString(process.pid()), "status"), "VmRSS:");
  }

  /** A kB field of {@code /proc/self/status} in bytes, -1 where there is none. */
  private static long readStatus(String field) {
    return readStatus(Path.of("/proc/self/status"), field);
  }

  private static long readStatus(Path status, String field) {
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux: no resident set figure.
    }
    return -1;
  }
}
