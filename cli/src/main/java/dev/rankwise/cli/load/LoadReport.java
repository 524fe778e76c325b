package dev.rankwise.cli.load;

import dev.rankwise.reporting.Charts;
import dev.rankwise.runtime.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The load test's results: a CSV, a markdown table with the machine and settings, and a chart. */
public final class LoadReport {

  /** One strategy's step at one rate, with the server's resident memory after it. */
  public record Row(String strategy, OpenLoop.Step step, long residentBytes) {}

  private LoadReport() {}

  /**
   * Writes {@code load.csv}, {@code load.md} and {@code latency-throughput.png} into {@code folder}.
   *
   * @param header markdown put above the table: machine, settings, command
   */
  public static void write(Path folder, String header, List<Row> rows) throws IOException {
    Files.createDirectories(folder);
    StringBuilder csv = new StringBuilder("strategy,offered_rps,sent,ok,throughput_rps,rows_per_s,p50_ms,p95_ms,"
        + "p99_ms,share_429,share_503,failed,other_status,rss_mib\n");
    StringBuilder md = new StringBuilder(header).append("\n\n| strategy | offered req/s | answered req/s | rows/s |"
        + " p50 ms | p95 ms | p99 ms | 429s | 503s | failed | server RSS MiB |\n|---|---:|---:|---:|---:|---:|---:|"
        + "---:|---:|---:|---:|\n");
    Map<String, List<double[]>> p99 = new LinkedHashMap<>();
    for (Row row : rows) {
      OpenLoop.Step step = row.step();
      double rss = row.residentBytes() < 0 ? Double.NaN : row.residentBytes() / (1024.0 * 1024.0);
      csv.append(String.format(Locale.ROOT, "%s,%.1f,%d,%d,%.2f,%.2f,%.1f,%.1f,%.1f,%.4f,%.4f,%d,%d,%.0f%n",
          row.strategy(), step.offeredRate(), step.sent(), step.ok(), step.throughput(), step.rows() / step.seconds(),
          step.latencyMillis(50), step.latencyMillis(95), step.latencyMillis(99), step.tooManyShare(),
          step.unavailableShare(), step.failed(), step.otherStatus(), rss));
      md.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.0f | %.0f | %.0f | %.1f%% | %.1f%% | %d |"
          + " %.0f |%n", row.strategy(), step.offeredRate(), step.throughput(), step.rows() / step.seconds(),
          step.latencyMillis(50), step.latencyMillis(95), step.latencyMillis(99), 100 * step.tooManyShare(),
          100 * step.unavailableShare(), step.failed(), rss));
      if (step.ok() > 0) {
        p99.computeIfAbsent(row.strategy(), s -> new ArrayList<>())
            .add(new double[] {step.throughput(), step.latencyMillis(99)});
      }
    }
    md.append("\n![p99 latency against throughput](latency-throughput.png)\n");
    AtomicFiles.write(folder.resolve("load.csv"), csv.toString());
    AtomicFiles.write(folder.resolve("load.md"), md.toString());
    if (!p99.isEmpty()) {
      Charts.lines(folder.resolve("latency-throughput.png"), "p99 latency against throughput, by batching strategy",
          "answered requests per second", "p99 latency (ms)", p99);
    }
  }
}
