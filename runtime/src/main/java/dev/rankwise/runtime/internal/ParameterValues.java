package dev.rankwise.runtime.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Puts saved values back into a live parameter's array, in place: loading adapters, resuming from
 * a checkpoint, restoring the best weights. The one way the runtime does it.
 *
 * <p>Not {@code NDArray.set(float[])}: on the PyTorch engine it calls the native {@code torchSet},
 * which opens a {@code torch::AutoNonVariableTypeMode} guard, and libtorch prints "AutoNonVariableTypeMode
 * is deprecated" on standard error (docs/DESIGN.md §7). Instead the values become an array of their
 * own and are copied into a detached alias of the parameter ({@code detach()} shares the storage and
 * does not require grad, so the in-place copy is allowed on a leaf that requires grad, whatever the
 * calling thread's grad mode). The copy is bit for bit, and the parameter keeps its array object,
 * its native tensor and whether it requires grad, so blocks and optimizers that hold them see the
 * new values.
 */
public final class ParameterValues {

  private static final String PYTORCH = "PyTorch";

  private ParameterValues() {}

  /**
   * Overwrites every value of {@code target} with {@code values}, in row-major order.
   *
   * @param target a parameter's float32 array, kept as it is but for its values
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
    if (!PYTORCH.equals(target.getManager().getEngine().getEngineName())) {
      // Another engine: its set has no libtorch guard, and its stopGradient may copy.
      target.set(values);
      return;
    }
    try (NDManager scratch = target.getManager().newSubManager(target.getDevice())) {
      NDArray source = scratch.create(values, shape);
      NDArray alias = target.stopGradient();
      alias.attach(scratch);
      // "...": index_put_ with an ellipsis, a copy_ into the whole tensor (a scalar's too).
      alias.set(new NDIndex("..."), source);
    }
  }
}
