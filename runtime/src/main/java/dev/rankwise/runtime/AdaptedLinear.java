package dev.rankwise.runtime;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.rankwise.runtime.internal.ParameterValues;
import java.util.Optional;

/**
 * The frozen half of every adapter layer: a {@link Linear} whose {@code weight} and {@code bias}
 * are the wrapped layer's own arrays, frozen, plus the safe merge that folds an update into that
 * weight and the exact unmerge. Being a {@code Linear}, an adapter can replace a linear child and
 * be assigned to a {@code Linear}-typed field.
 */
public abstract class AdaptedLinear extends Linear implements AdapterLayer {

  private final Linear base;
  private final long inFeatures;
  private final long outFeatures;
  private final Parameter baseWeight;
  private final Parameter baseBias;
  private NDArray originalWeight;

  /**
   * Wraps an initialised linear layer.
   *
   * @throws IllegalStateException if {@code base} has no weight array yet
   */
  protected AdaptedLinear(Linear base) {
    super(builderFor(base));
    this.base = base;
    NDArray weight = base.getParameters().get("weight").getArray();
    outFeatures = weight.getShape().get(0);
    inFeatures = weight.getShape().get(1);
    baseWeight = parameters.get("weight");
    baseWeight.setArray(weight);
    baseWeight.freeze(true);
    baseBias = parameters.get("bias");
    if (baseBias != null) {
      baseBias.setArray(base.getParameters().get("bias").getArray());
      baseBias.freeze(true);
    }
    // A layer whose weights were set directly (a model rebuilt from another format) never went
    // through initialize(), so it has no input shapes: the weight's shape tells them.
    beforeInitialize(base.isInitialized() ? base.getInputShapes() : new Shape[] {new Shape(-1, inFeatures)});
  }

  private static Linear.Builder builderFor(Linear base) {
    Parameter weight = base.getParameters().get("weight");
    if (weight == null || !weight.isInitialized()) {
      throw new IllegalStateException(
          "cannot attach an adapter to a Linear whose weight is not initialised: initialise the"
              + " model or load its weights before attaching adapters");
    }
    return new Builder()
        .setUnits(weight.getArray().getShape().get(0))
        .optBias(base.getParameters().contains("bias"));
  }

  /** Adds a trainable adapter parameter holding {@code initial}, in the base weight's data type. */
  protected final Parameter addAdapterParameter(String name, NDArray initial) {
    NDArray array = initial.toType(baseWeight.getArray().getDataType(), false);
    if (array != initial) {
      initial.close();
    }
    Parameter parameter =
        addParameter(Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).optArray(array).build());
    parameter.freeze(false);
    return parameter;
  }

  /** Input features of the wrapped layer. */
  public long inFeatures() {
    return inFeatures;
  }

  /** Output features of the wrapped layer. */
  public long outFeatures() {
    return outFeatures;
  }

  /** The frozen base weight (out, in): the wrapped layer's own array. */
  public Parameter baseWeight() {
    return baseWeight;
  }

  /** The frozen base bias (out), if the wrapped layer has one. */
  public Optional<Parameter> baseBias() {
    return Optional.ofNullable(baseBias);
  }

  /** The manager that owns the base weight, where adapter parameters are created. */
  protected final NDManager weightManager() {
    return baseWeight.getArray().getManager();
  }

  /**
   * {@code W0 x + b0 + hidden · upᵀ}; only the base, with its merged weight, while merged.
   *
   * <p>The rows are flattened to 2-D first, so that both products run as one fused matrix
   * multiply-add each: libtorch adds the bias of a 2-D linear in the product ({@code addmm}) but adds
   * it in a separate pass over a 3-D one, and the adapter's up-projection is added onto the base
   * output the same way, with the base output in the place of a bias. Measured on 16 × 64 rows: a
   * 384-wide LoRA r = 8 layer 2.78 → 1.99 ms, the plain layer 2.21 → 1.73 ms.
   */
  @Override
  protected final NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray input = inputs.singletonOrThrow();
    Shape shape = input.getShape();
    NDArray output = baseOutput(store, shape.dimension() == 2 ? input : input.reshape(-1, inFeatures), training);
    if (!isMerged()) {
      LowRank term = lowRank(store, input, training);
      NDArray hidden = term.hidden();
      if (hidden.getShape().dimension() != 2) {
        hidden = hidden.reshape(-1, hidden.getShape().getLastDimension());
      }
      output = Linear.linear(hidden, term.up(), output).singletonOrThrow();
    }
    return new NDList(shape.dimension() == 2 ? output : output.reshape(shape.slice(0, shape.dimension() - 1).add(outFeatures)));
  }

  /**
   * The adapter's term as a low-rank product: the update is {@code hidden · upᵀ}, added onto the
   * base output in the same product.
   *
   * @param hidden (..., r): the input through the down-projection, with the scaling, gates and
   *     masks applied; the leading axes are the input's
   * @param up (out, r): the up-projection
   */
  public record LowRank(NDArray hidden, NDArray up) {}

  /**
   * The adapter's term for this input.
   *
   * @param store the step's parameter store
   * @param input the layer's input in its own shape, before dropout
   * @param training whether this is a training pass
   */
  protected abstract LowRank lowRank(ParameterStore store, NDArray input, boolean training);

  /** {@code W0 x + b0} of 2-D rows, with the (possibly merged) base weight. */
  private NDArray baseOutput(ParameterStore store, NDArray rows, boolean training) {
    Device device = rows.getDevice();
    NDArray weight = store.getValue(baseWeight, device, training);
    NDArray bias = baseBias == null ? null : store.getValue(baseBias, device, training);
    return Linear.linear(rows, weight, bias).singletonOrThrow();
  }

  /** The input dropout of the adapter path: inverted dropout while training, identity otherwise. */
  protected static NDArray dropout(NDArray input, double rate, boolean training) {
    return training && rate > 0
        ? Dropout.dropout(input, (float) rate, true).singletonOrThrow()
        : input;
  }

  /** {@code x · W^T} with {@code x} first, so the result belongs to the step's manager. */
  public static NDArray project(ParameterStore store, NDArray input, Parameter weight, boolean training) {
    return Linear.linear(input, store.getValue(weight, input.getDevice(), training)).singletonOrThrow();
  }

  /** Multiplies by {@code scaling} through an NDArray scalar (docs/DESIGN.md §7: never a Number). */
  public static NDArray scaled(NDArray update, double scaling) {
    if (scaling == 1) {
      return update;
    }
    NDArray factor = update.getManager().create((float) scaling).toType(update.getDataType(), false);
    return update.mul(factor);
  }

  @Override
  public NDArray frozenWeight() {
    return originalWeight != null ? originalWeight : baseWeight.getArray();
  }

  @Override
  public boolean isMerged() {
    return originalWeight != null;
  }

  /**
   * Folds {@code delta} (out, in) into the base weight in place after checking that every merged
   * value is finite; keeps the exact original for {@link #unmerge()}.
   *
   * @param what the update, for messages
   * @throws IllegalStateException if already merged or the result is not finite (nothing changes)
   */
  protected final void mergeDelta(NDArray delta, String what) {
    if (isMerged()) {
      throw new IllegalStateException("this adapter is already merged; unmerge it first");
    }
    NDArray weight = baseWeight.getArray();
    try (NDManager scratch = weight.getManager().newSubManager()) {
      delta.attach(scratch);
      NDArray merged = weight.add(delta);
      merged.attach(scratch);
      boolean finite = merged.isNaN().logicalOr(merged.isInfinite()).none().getBoolean();
      if (!finite) {
        throw new IllegalStateException(
            "refusing to merge " + what + " with non-finite values into the weight of shape "
                + weight.getShape() + "; nothing was changed");
      }
      originalWeight = weight.duplicate();
      // Not copyTo, which makes libtorch warn (docs/DESIGN.md §7).
      ParameterValues.overwrite(weight, merged);
    }
  }

  @Override
  public void unmerge() {
    if (!isMerged()) {
      throw new IllegalStateException("this adapter is not merged; there is nothing to unmerge");
    }
    ParameterValues.overwrite(baseWeight.getArray(), originalWeight);
    originalWeight.close();
    originalWeight = null;
  }

  @Override
  public Linear baseLayer() {
    return base;
  }

  @Override
  public void releaseAdapter() {
    adapterParameters().values().forEach(Parameter::close);
    if (originalWeight != null) {
      originalWeight.close();
      originalWeight = null;
    }
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    // An adapter's parameters are created when it wraps an initialised layer.
  }

  /** Builder of the {@link Linear} part: units and bias come from the wrapped layer. */
  private static final class Builder extends Linear.Builder {}
}
