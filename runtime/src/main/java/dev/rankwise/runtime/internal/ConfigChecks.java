package dev.rankwise.runtime.internal;

/**
 * The validations configs share, each failing with a message that names the value and what it must
 * be, such as {@code rankA must be positive, got 0} (as PEFT's {@code LoraConfig.__post_init__}).
 */
public final class ConfigChecks {

  private ConfigChecks() {}

  /** Requires {@code value >= 1}. */
  public static void positive(String name, int value) {
    require(value >= 1, name + " must be positive, got " + value);
  }

  /** Requires a finite {@code value >= 0}. */
  public static void finiteNonNegative(String name, double value) {
    require(Double.isFinite(value) && value >= 0, name + " must be finite and >= 0, got " + value);
  }

  /** Requires a dropout probability in {@code [0, 1)}. */
  public static void dropout(double value) {
    require(value >= 0 && value < 1, "dropout must be in [0, 1), got " + value);
  }

  /** Throws {@link IllegalArgumentException} with {@code message} unless {@code condition} holds. */
  public static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }
}
