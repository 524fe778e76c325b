package dev.rankwise.runtime.lora;

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
import dev.rankwise.runtime.AdapterLayer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * A frozen linear layer with a decomposed low-rank update: {@code y = W0 x + b0 + s · B' T A'
 * dropout(x)} (Zhang et al., 2025, method 1). With {@link dev.rankwise.annotations.Mixer#IDENTITY}
 * there is no {@code T} and this is plain LoRA.
 *
 * <p>It is itself a {@link Linear}, so it can replace a linear child and be assigned to a {@code
 * Linear}-typed field. Its {@code weight} and {@code bias} are the wrapped layer's own arrays
 * (frozen); only {@code lora_A}, {@code lora_T} and {@code lora_B} train.
 */
public final class LoraLinear extends Linear implements AdapterLayer {

  /** Names of the adapter parameters, as in adapter files. */
  public static final String LORA_A = "lora_A";

  /** Name of the mixer parameter {@code T}. */
  public static final String LORA_T = "lora_T";

  /** Name of the up-projection parameter. */
  public static final String LORA_B = "lora_B";

  private final LoraConfig config;
  private final long inFeatures;
  private final long outFeatures;
  private final Parameter baseWeight;
  private final Parameter baseBias;
  private final Parameter loraA;
  private final Parameter mixer;
  private final Parameter loraB;
  private NDArray originalWeight;

  private LoraLinear(Builder builder, Linear base, LoraConfig config, long seed) {
    super(builder);
    this.config = config;
    NDArray weight = base.getParameters().get("weight").getArray();
    Shape weightShape = weight.getShape();
    this.outFeatures = weightShape.get(0);
    this.inFeatures = weightShape.get(1);

    baseWeight = parameters.get("weight");
    baseWeight.setArray(weight);
    baseWeight.freeze(true);
    baseBias = parameters.get("bias");
    if (baseBias != null) {
      baseBias.setArray(base.getParameters().get("bias").getArray());
      baseBias.freeze(true);
    }

    NDManager manager = weight.getManager();
    DataType dataType = weight.getDataType();
    Random random = new Random(seed);
    loraA =
        addAdapterParameter(
            LORA_A, kaimingUniform(manager, config.rankA(), inFeatures, random).toType(dataType, false));
    mixer =
        config.hasMixer()
            ? addAdapterParameter(
                LORA_T,
                orthogonal(manager, config.rankB(), config.rankA(), random).toType(dataType, false))
            : null;
    loraB =
        addAdapterParameter(
            LORA_B, manager.zeros(new Shape(outFeatures, config.rankB()), dataType));
    Shape[] inputShapes = base.getInputShapes();
    beforeInitialize(inputShapes != null ? inputShapes : new Shape[] {new Shape(-1, inFeatures)});
  }

  /**
   * Wraps an initialised linear layer in a decomposed LoRA adapter.
   *
   * @param base the layer to adapt; its weight (and bias) arrays become this block's, frozen
   * @param config the adapter's settings
   * @param seed seed of the random initialisation of {@code A'} and {@code T}
   * @return the adapter, a {@link Linear} that equals {@code base} until it is trained
   * @throws IllegalStateException if {@code base} has no weight array yet
   */
  public static LoraLinear wrap(Linear base, LoraConfig config, long seed) {
    Parameter weight = base.getParameters().get("weight");
    if (weight == null || !weight.isInitialized()) {
      throw new IllegalStateException(
          "cannot attach an adapter to a Linear whose weight is not initialised: initialise the"
              + " model or load its weights before attaching adapters");
    }
    boolean hasBias = base.getParameters().contains("bias");
    Builder builder = new Builder();
    builder.setUnits(weight.getArray().getShape().get(0));
    builder.optBias(hasBias);
    return new LoraLinear(builder, base, config, seed);
  }

  private Parameter addAdapterParameter(String name, NDArray initial) {
    Parameter parameter =
        addParameter(
            Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).optArray(initial).build());
    parameter.freeze(false);
    return parameter;
  }

  /** PEFT's init of {@code A'}: Kaiming-uniform with a = √5, that is U(-1/√in, 1/√in). */
  private static NDArray kaimingUniform(NDManager manager, int rows, long in, Random random) {
    double bound = 1 / Math.sqrt(in);
    float[] values = new float[Math.toIntExact(rows * in)];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
    }
    return manager.create(values, new Shape(rows, in));
  }

  /**
   * A {@code rows × columns} matrix with orthonormal rows (when rows ≤ columns) or columns, from
   * Gram–Schmidt on a Gaussian matrix, so {@code T} never starts at zero and keeps A' well
   * conditioned.
   */
  static NDArray orthogonal(NDManager manager, int rows, int columns, Random random) {
    boolean transpose = rows > columns;
    int count = transpose ? columns : rows;
    int length = transpose ? rows : columns;
    double[][] vectors = new double[count][length];
    for (int i = 0; i < count; i++) {
      do {
        for (int j = 0; j < length; j++) {
          vectors[i][j] = random.nextGaussian();
        }
        for (int k = 0; k < i; k++) {
          double dot = 0;
          for (int j = 0; j < length; j++) {
            dot += vectors[i][j] * vectors[k][j];
          }
          for (int j = 0; j < length; j++) {
            vectors[i][j] -= dot * vectors[k][j];
          }
        }
      } while (!normalise(vectors[i]));
    }
    float[] values = new float[rows * columns];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < columns; c++) {
        values[r * columns + c] = (float) (transpose ? vectors[c][r] : vectors[r][c]);
      }
    }
    return manager.create(values, new Shape(rows, columns));
  }

  private static boolean normalise(double[] vector) {
    double norm = 0;
    for (double value : vector) {
      norm += value * value;
    }
    norm = Math.sqrt(norm);
    if (norm < 1e-6) {
      return false;
    }
    for (int j = 0; j < vector.length; j++) {
      vector[j] /= norm;
    }
    return true;
  }

  @Override
  public LoraConfig config() {
    return config;
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

  /** The down-projection {@code A'} (rankA, in). */
  public Parameter loraA() {
    return loraA;
  }

  /** The mixer {@code T} (rankB, rankA); empty with the identity mixer. */
  public Optional<Parameter> mixer() {
    return Optional.ofNullable(mixer);
  }

  /** The up-projection {@code B'} (out, rankB). */
  public Parameter loraB() {
    return loraB;
  }

  @Override
  public Map<String, Parameter> adapterParameters() {
    Map<String, Parameter> named = new LinkedHashMap<>();
    named.put(LORA_A, loraA);
    if (mixer != null) {
      named.put(LORA_T, mixer);
    }
    named.put(LORA_B, loraB);
    return named;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    NDArray input = inputs.singletonOrThrow();
    Device device = input.getDevice();
    NDArray weight = parameterStore.getValue(baseWeight, device, training);
    NDArray bias = baseBias == null ? null : parameterStore.getValue(baseBias, device, training);
    NDArray output = Linear.linear(input, weight, bias).singletonOrThrow();
    if (isMerged()) {
      return new NDList(output);
    }
    NDArray adapterInput = input;
    if (training && config.dropout() > 0) {
      adapterInput = Dropout.dropout(input, (float) config.dropout(), true).singletonOrThrow();
    }
    NDArray hidden =
        Linear.linear(adapterInput, parameterStore.getValue(loraA, device, training))
            .singletonOrThrow();
    if (mixer != null) {
      hidden =
          Linear.linear(hidden, parameterStore.getValue(mixer, device, training))
              .singletonOrThrow();
    }
    NDArray update =
        Linear.linear(hidden, parameterStore.getValue(loraB, device, training)).singletonOrThrow();
    return new NDList(output.add(scaled(update)));
  }

  /** Multiplies by s through an NDArray scalar (DESIGN §7: never a Number on an autograd path). */
  private NDArray scaled(NDArray update) {
    double scaling = config.scaling();
    if (scaling == 1) {
      return update;
    }
    NDArray factor = update.getManager().create((float) scaling).toType(update.getDataType(), false);
    return update.mul(factor);
  }

  /**
   * The update {@code s · B' T A'} of shape (out, in).
   *
   * @param manager owns the result
   */
  public NDArray deltaWeight(NDManager manager) {
    NDArray a = loraA.getArray();
    NDArray product = mixer == null ? a : mixer.getArray().matMul(a);
    NDArray delta = loraB.getArray().matMul(product);
    NDArray factor = manager.create((float) config.scaling()).toType(delta.getDataType(), false);
    NDArray result = delta.mul(factor);
    result.attach(manager);
    return result;
  }

  @Override
  public boolean isMerged() {
    return originalWeight != null;
  }

  @Override
  public void merge() {
    if (isMerged()) {
      throw new IllegalStateException("this adapter is already merged; unmerge it first");
    }
    NDArray weight = baseWeight.getArray();
    try (NDManager scratch = weight.getManager().newSubManager()) {
      NDArray merged = weight.add(deltaWeight(scratch));
      merged.attach(scratch);
      boolean finite = merged.isNaN().logicalOr(merged.isInfinite()).none().getBoolean();
      if (!finite) {
        throw new IllegalStateException(
            "refusing to merge a LoRA update with non-finite values into the weight of shape "
                + weight.getShape()
                + "; nothing was changed");
      }
      originalWeight = weight.duplicate();
      merged.copyTo(weight);
    }
  }

  @Override
  public void unmerge() {
    if (!isMerged()) {
      throw new IllegalStateException("this adapter is not merged; there is nothing to unmerge");
    }
    originalWeight.copyTo(baseWeight.getArray());
    originalWeight.close();
    originalWeight = null;
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    // The adapter's parameters are created when it wraps an initialised layer.
  }

  /** Builder of the {@link Linear} part: units and bias come from the wrapped layer. */
  private static final class Builder extends Linear.Builder {}
}
