package dev.rankwise.runtime.io;

import java.util.Arrays;

/**
 * A float32 tensor outside the engine: its shape and its row-major values, as files hold them.
 * What the runtime's public readers take and its writers write ({@link SafetensorsWriter}, {@code
 * PeftImport}); the arrays are not copied.
 *
 * @param shape the sizes, outermost first
 * @param values {@code shape}'s product of values, row-major
 */
public record FloatTensor(long[] shape, float[] values) {

  /** Checks that the values fill the shape. */
  public FloatTensor {
    long size = 1;
    for (long dimension : shape) {
      if (dimension < 0) {
        throw new IllegalArgumentException("a tensor's sizes are non-negative, got " + Arrays.toString(shape));
      }
      size = Math.multiplyExact(size, dimension);
    }
    if (size != values.length) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + size
          + " values, got " + values.length);
    }
  }
}
