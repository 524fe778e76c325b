package dev.rankwise.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/** Runs the command line in this JVM and keeps its exit code and what it printed. */
record CliRun(int code, String out, String err) {

  /** Runs {@code rankwise args...} with standard output and error captured. */
  static CliRun run(String... args) {
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(errors, true, StandardCharsets.UTF_8));
      int code = RankwiseCli.run(args);
      return new CliRun(code, captured.toString(StandardCharsets.UTF_8), errors.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(stdout);
      System.setErr(stderr);
    }
  }

  /** {@code head} followed by {@code tail}. */
  static String[] with(String[] head, String... tail) {
    String[] all = Arrays.copyOf(head, head.length + tail.length);
    System.arraycopy(tail, 0, all, head.length, tail.length);
    return all;
  }

  /** The printed lines with test metrics, trimmed. */
  List<String> metricLines() {
    return out.lines().filter(line -> line.contains("accuracy")).map(String::trim).toList();
  }
}
