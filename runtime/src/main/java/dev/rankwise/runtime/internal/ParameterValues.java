package dev.rankwise.runtime.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Overwrites a live array's values in place: loading adapters, resuming from a checkpoint,
 * restoring the best weights, merging adapters into base weights and back, zeroing gradients. The
 * one way the runtime does it.
 *
 * <p>Not {@code NDArray.set(float[])} nor {@code copyTo} (which calls it): on the PyTorch engine
 * they call the native {@code torchSet}, which opens a {@code torch::AutoNonVariableTypeMode}
 * guard, and libtorch prints "AutoNonVariableTypeMode is deprecated" on standard error
 * (docs/DESIGN.md §7). Instead the values are copied into a detached alias of the target with
 * {@code index_put_} ({@code detach()} shares the storage and does not require grad, so the in-place
 * copy is allowed on a leaf that requires grad, whatever the calling thread's grad mode). The copy
 * is bit for bit, and the target keeps its array object, its native tensor and whether it requires
 * grad, so blocks and optimizers that hold them see the new values.
 */
public final class ParameterValues {

  private static final String PYTORCH = "PyTorch";

  private ParameterValues() {}

  /**
   * Overwrites every value of {@code target} with {@code values}, in row-major order.
   *
   * @param target a float32 array, kept as it is but for its values
   * @param values as many values as {@code target} holds
   * @throws IllegalArgumentException if the count or the data type does not match
   */
  public static void overwrite(NDArray target, float[] values) {
    Shape shape = target.getShape();
    if (target.getDataType() != DataType.FLOAT32) {
      throw new IllegalArgumentException("cannot put float32 values into a " + target.getDataType()
          + " array of shape " + shape);
    }
    if (values.length != shape.size()) {
      throw new IllegalArgumentException("cannot put " + values.length + " values into an array of shape "
          + shape + " (" + shape.size() + " values)");
    }
    if (!onPyTorch(target)) {
      // Another engine: its set has no libtorch guard, and its stopGradient may copy.
      target.set(values);
      return;
    }
    try (NDManager scratch = target.getManager().newSubManager(target.getDevice())) {
      copy(scratch.create(values, shape), target, scratch);
    }
  }

  /**
   * Overwrites every value of {@code target} with those of {@code source}, which stays as it is.
   *
   * @param target the array to overwrite, kept as it is but for its values
   * @param source an array of the same shape and data type
   * @throws IllegalArgumentException if the shape or the data type does not match
   */
  public static void overwrite(NDArray target, NDArray source) {
    if (!target.getShape().equals(source.getShape()) || target.getDataType() != source.getDataType()) {
      throw new IllegalArgumentException("cannot copy a " + source.getDataType() + " array of shape "
          + source.getShape() + " into a " + target.getDataType() + " array of shape " + target.getShape());
    }
    if (!onPyTorch(target)) {
      source.copyTo(target);
      return;
    }
    try (NDManager scratch = target.getManager().newSubManager(target.getDevice())) {
      copy(source, target, scratch);
    }
  }

  private static boolean onPyTorch(NDArray target) {
    return PYTORCH.equals(target.getManager().getEngine().getEngineName());
  }

  /** {@code target.detach()[...] = source}: index_put_ with an ellipsis, a copy_ (a scalar's too). */
  private static void copy(NDArray source, NDArray target, NDManager scratch) {
    NDArray alias = target.stopGradient();
    alias.attach(scratch);
    // "...", not an empty NDIndex: libtorch refuses an empty index list.
    alias.set(new NDIndex("..."), source);
  }
}
