package dev.rankwise.benchmarks.report;

import java.util.OptionalDouble;

/**
 * One row of the results: our measurement, the reference's, and the target if the issue sets one.
 *
 * @param group the table section, such as "Training step"
 * @param name what was measured
 * @param unit of {@code ours} and {@code reference}: "ms", "MiB", "bytes", "×" or "count"
 * @param ours our value
 * @param reference the reference's value, NaN when it was not measured
 * @param referenceIs what the reference is, such as "PyTorch 1.13 eager" or "single-task batch"
 * @param target the bound, NaN for none
 * @param targetOn whether the bound applies to {@code ours / reference} or to {@code ours} itself
 */
public record Figure(String group, String name, String unit, double ours, double reference, String referenceIs,
    double target, TargetOn targetOn) {

  /** What a target bounds. */
  public enum TargetOn {
    /** ours / reference. */
    RATIO,
    /** ours itself (a ratio already, such as merged / base). */
    OURS
  }

  /** A row without a target. */
  public static Figure of(String group, String name, String unit, double ours, double reference, String referenceIs) {
    return new Figure(group, name, unit, ours, reference, referenceIs, Double.NaN, TargetOn.RATIO);
  }

  /** The same row with a bound on {@code ours / reference}. */
  public Figure targetRatio(double bound) {
    return new Figure(group, name, unit, ours, reference, referenceIs, bound, TargetOn.RATIO);
  }

  /** The same row with a bound on {@code ours}. */
  public Figure targetOurs(double bound) {
    return new Figure(group, name, unit, ours, reference, referenceIs, bound, TargetOn.OURS);
  }

  /** {@code ours / reference}, empty without a reference. */
  public OptionalDouble ratio() {
    return Double.isFinite(reference) && reference != 0 ? OptionalDouble.of(ours / reference) : OptionalDouble.empty();
  }

  /** Whether a target is set. */
  public boolean hasTarget() {
    return !Double.isNaN(target);
  }

  /** Whether the target is met; empty when there is none or its value is missing. */
  public java.util.Optional<Boolean> met() {
    if (!hasTarget()) {
      return java.util.Optional.empty();
    }
    OptionalDouble value = targetOn == TargetOn.OURS ? OptionalDouble.of(ours) : ratio();
    return value.isPresent() ? java.util.Optional.of(value.getAsDouble() <= target) : java.util.Optional.empty();
  }
}
