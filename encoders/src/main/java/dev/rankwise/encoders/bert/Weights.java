package dev.rankwise.encoders.bert;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

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
   * model in native memory ({@link #nativeBytes}), not on the Java heap: a model's weights are tens of
   * megabytes, and the heap a JVM once grows it keeps (docs/DESIGN.md §7). A tensor read from a file
   * also has {@link #storage}: bytes a model takes as its parameter's own memory, without a copy.
   */
  static final class Tensor {
    private final long[] shape;
    private final FloatBuffer values;
    private final ByteBuffer storage;

    /** A tensor of heap values, for small and test tensors. */
    Tensor(long[] shape, float[] values) {
      this.shape = shape.clone();
      this.values = FloatBuffer.wrap(values).asReadOnlyBuffer();
      this.storage = null;
    }

    /**
     * A tensor of little-endian float32 bytes from the buffer's position to its limit. A model that
     * loads it may use them as its storage and change them (a merge does): such a tensor belongs to
     * the one model it is loaded into.
     */
    Tensor(long[] shape, ByteBuffer bytes) {
      this.shape = shape.clone();
      this.storage = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
      this.values = storage.asFloatBuffer().asReadOnlyBuffer();
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

    /** The tensor's own little-endian bytes, writable, for a reader that rearranges them; none for heap values. */
    ByteBuffer bytes() {
      if (storage == null) {
        throw new IllegalStateException(this + " holds heap values, not bytes");
      }
      return storage.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * The bytes libtorch can compute on in place: native memory, the platform's byte order and
     * float-aligned; empty for heap values or bytes that are not (the caller copies them then).
     */
    Optional<ByteBuffer> storage() {
      if (storage == null || !storage.isDirect() || ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN
          || storage.alignmentOffset(0, Float.BYTES) != 0) {
        return Optional.empty();
      }
      return Optional.of(storage.duplicate().order(ByteOrder.LITTLE_ENDIAN));
    }

    @Override
    public String toString() {
      return "Tensor" + Arrays.toString(shape);
    }
  }

  /** Room for {@code floats} little-endian float32 values in native memory (a direct buffer). */
  static ByteBuffer nativeBytes(int floats) {
    return ByteBuffer.allocateDirect(Math.multiplyExact(floats, Float.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
  }
}
