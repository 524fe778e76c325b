package dev.rankwise.benchmarks;

import com.google.gson.JsonObject;
import java.util.Arrays;

/** Summaries of measured times, defined as the PyTorch script defines them (Python's {@code statistics.median}). */
public final class Percentiles {

  private Percentiles() {}

  /** The median: the middle value, or the mean of the two middle values of an even count. */
  public static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }

  /** The nearest-rank percentile of sorted values. */
  public static double nearestRank(double[] sorted, double percent) {
    int rank = (int) Math.ceil(percent / 100 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
  }

  /** Times in milliseconds as the runs print them: {@code median_ms}, {@code p10_ms} and {@code p90_ms}. */
  public static JsonObject summaryMs(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    JsonObject summary = new JsonObject();
    summary.addProperty("median_ms", median(sorted));
    summary.addProperty("p10_ms", nearestRank(sorted, 10));
    summary.addProperty("p90_ms", nearestRank(sorted, 90));
    return summary;
  }
}
