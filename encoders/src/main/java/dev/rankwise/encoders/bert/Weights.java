package dev.rankwise.encoders.bert;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;

/**
 * The floating-point tensors of a checkpoint by their names in the file, as float32, and the file
 * they came from, which every message about them names. Integer buffers (such as {@code
 * embeddings.position_ids}) are not weights and are not kept.
 *
 * @param source the file, for messages
 * @param tensors by name, in file order
 */
record Weights(String source, Map<String, Tensor> tensors) {

  /**
   * A tensor's shape and its row-major float32 values, read-only. The readers keep the values of a
   * model in native memory ({@link #nativeFloats}), not on the Java heap: a model's weights are tens of
   * megabytes, and the heap a JVM once grows it keeps (docs/DESIGN.md §7).
   */
  static final class Tensor {
    private final long[] shape;
    private final FloatBuffer values;

    /** A tensor of heap values, for small and test tensors. */
    Tensor(long[] shape, float[] values) {
      this(shape, FloatBuffer.wrap(values));
    }

    /** A tensor of the buffer's values from its position to its limit, which it must not change. */
    Tensor(long[] shape, FloatBuffer values) {
      this.shape = shape.clone();
      this.values = values.slice().asReadOnlyBuffer();
    }

    /** The dimensions. */
    long[] shape() {
      return shape.clone();
    }

    /** How many values. */
    int size() {
      return values.capacity();
    }

    /** The values, read-only, positioned at the first. */
    FloatBuffer buffer() {
      return values.duplicate();
    }

    /** A copy of the values on the heap: for small tensors. */
    float[] values() {
      float[] copy = new float[values.capacity()];
      values.duplicate().get(copy);
      return copy;
    }

    @Override
    public String toString() {
      return "Tensor" + Arrays.toString(shape);
    }
  }

  /** A float buffer of {@code size} values in native memory (a direct buffer). */
  static FloatBuffer nativeFloats(int size) {
    return ByteBuffer.allocateDirect(Math.multiplyExact(size, Float.BYTES)).order(ByteOrder.nativeOrder())
        .asFloatBuffer();
  }
}
