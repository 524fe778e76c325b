package dev.rankwise.runtime.internal;

import java.util.Map;

/**
 * Reads a layer's record from {@code adapter_config.json} (what {@code AdapterLayer.fileRecord()}
 * wrote: strings, booleans and numbers by name) back into config values, for the kinds' {@code
 * AdapterKind.readRecord}: each getter fails with a message naming the missing or mistyped setting,
 * and {@link #alphaFor} recovers the {@code alpha} that gives a recorded scaling exactly.
 */
public final class FileRecord {

  private static final int ALPHA_ULPS = 4;

  private FileRecord() {}

  /** The number recorded under {@code key}. */
  public static Number number(Map<String, Object> record, String key) {
    return value(record, key, Number.class, "a number");
  }

  /** The string recorded under {@code key}. */
  public static String text(Map<String, Object> record, String key) {
    return value(record, key, String.class, "a string");
  }

  /** The boolean recorded under {@code key}. */
  public static boolean flag(Map<String, Object> record, String key) {
    return value(record, key, Boolean.class, "true or false");
  }

  /**
   * The {@code alpha} with {@code alpha / divisor == scaling} exactly (0 for a scaling of 1, which
   * the configs read as "no alpha"), found among the few doubles around the product; a record keeps
   * the scaling, not the alpha it came from.
   *
   * @throws IllegalArgumentException if no alpha near the product gives the scaling exactly
   */
  public static double alphaFor(double scaling, double divisor) {
    double alpha = scaling == 1 ? 0 : exactAlpha(scaling, divisor);
    if (Double.isNaN(alpha)) {
      throw new IllegalArgumentException("no alpha gives the recorded scaling " + scaling + " exactly");
    }
    return alpha;
  }

  /** An alpha with {@code alpha / divisor == scaling} exactly, a few ulps around the product; NaN if none. */
  public static double exactAlpha(double scaling, double divisor) {
    double down = scaling * divisor;
    double up = down;
    for (int ulps = 0; ulps <= ALPHA_ULPS; ulps++) {
      if (down / divisor == scaling) {
        return down;
      }
      if (up / divisor == scaling) {
        return up;
      }
      down = Math.nextDown(down);
      up = Math.nextUp(up);
    }
    return Double.NaN;
  }

  private static <T> T value(Map<String, Object> record, String key, Class<T> type, String what) {
    Object value = record.get(key);
    if (value == null) {
      throw new IllegalArgumentException("no '" + key + "' recorded");
    }
    if (!type.isInstance(value)) {
      throw new IllegalArgumentException("'" + key + "' must be " + what + ", got " + value);
    }
    return type.cast(value);
  }
}
