package dev.rankwise.cli.study;

import java.util.Locale;

/** Means with 95 % confidence intervals (Student's t), and the verdict rule of the study. */
public final class Stats {

  /** Differences within ± this (half a point of accuracy) count as no difference. */
  public static final double EQUIVALENCE = 0.005;

  // Two-sided 95 % quantiles of Student's t for 1..30 degrees of freedom.
  private static final double[] T975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262,
      2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069,
      2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};

  private Stats() {}

  /**
   * A sample's mean and the half-width of its 95 % confidence interval (NaN for one value).
   *
   * @param n sample size
   * @param mean the mean
   * @param halfWidth the half-width of the interval
   */
  public record Summary(int n, double mean, double halfWidth) {

    /** The interval's lower end. */
    public double lower() {
      return mean - halfWidth;
    }

    /** The interval's upper end. */
    public double upper() {
      return mean + halfWidth;
    }

    /** {@code 0.921 ± 0.004} (values given as shares, printed with three decimals). */
    public String format() {
      return Double.isNaN(halfWidth)
          ? String.format(Locale.ROOT, "%.3f", mean)
          : String.format(Locale.ROOT, "%.3f ± %.3f", mean, halfWidth);
    }

    /** {@code +0.8 [+0.3, +1.3]} in points (hundredths). */
    public String formatPoints() {
      return Double.isNaN(halfWidth)
          ? String.format(Locale.ROOT, "%+.1f", 100 * mean)
          : String.format(Locale.ROOT, "%+.1f [%+.1f, %+.1f]", 100 * mean, 100 * lower(), 100 * upper());
    }
  }

  /** The summary of a sample. */
  public static Summary of(double[] values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("no values to summarise");
    }
    double mean = 0;
    for (double value : values) {
      mean += value / values.length;
    }
    if (values.length == 1) {
      return new Summary(1, mean, Double.NaN);
    }
    double squares = 0;
    for (double value : values) {
      squares += (value - mean) * (value - mean);
    }
    double sd = Math.sqrt(squares / (values.length - 1));
    return new Summary(values.length, mean, t975(values.length - 1) * sd / Math.sqrt(values.length));
  }

  /** The two-sided 95 % quantile of Student's t with {@code df} degrees of freedom. */
  public static double t975(int df) {
    if (df < 1) {
      throw new IllegalArgumentException("degrees of freedom must be at least 1, got " + df);
    }
    return df <= T975.length ? T975[df - 1] : 1.96;
  }

  /**
   * The verdict on "the method beats the reference" from the paired differences (method minus
   * reference): supported when the whole interval is above 0; not supported when it is below 0,
   * or lies within ± {@value #EQUIVALENCE} (no difference that matters); inconclusive otherwise.
   */
  public static String verdict(Summary difference) {
    if (difference.n() < 2) {
      return "inconclusive (one seed)";
    }
    if (difference.lower() > 0) {
      return "supported";
    }
    if (difference.upper() < 0) {
      return "not supported (the reference is better)";
    }
    if (difference.lower() > -EQUIVALENCE && difference.upper() < EQUIVALENCE) {
      return "not supported (any difference is under half a point)";
    }
    return "inconclusive";
  }
}
