package dev.rankwise.runtime.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.rankwise.runtime.AdaptedLinear;
import dev.rankwise.runtime.Initializers;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * A frozen linear layer with a decomposed low-rank update: {@code y = W0 x + b0 + s · B' T A'
 * dropout(x)} (Zhang et al., 2025, method 1). With {@link dev.rankwise.annotations.Mixer#IDENTITY}
 * there is no {@code T} and this is plain LoRA.
 *
 * <p>Only {@code lora_A}, {@code lora_T} and {@code lora_B} train; the base weight and bias are
 * the wrapped layer's own arrays, frozen.
 */
public final class LoraLinear extends AdaptedLinear {

  /** File name of the down-projection {@code A'}. */
  public static final String LORA_A = "lora_A";

  /** File name of the mixer {@code T}. */
  public static final String LORA_T = "lora_T";

  /** File name of the up-projection {@code B'}. */
  public static final String LORA_B = "lora_B";

  private final LoraConfig config;
  private final Parameter loraA;
  private final Parameter mixer;
  private final Parameter loraB;

  private LoraLinear(Linear base, LoraConfig config, long seed) {
    super(base);
    this.config = config;
    NDManager manager = weightManager();
    Random random = new Random(seed);
    loraA = addAdapterParameter(
        LORA_A, Initializers.kaimingUniform(manager, config.rankA(), inFeatures(), random));
    mixer = config.hasMixer()
        ? addAdapterParameter(
            LORA_T, Initializers.orthogonal(manager, config.rankB(), config.rankA(), random))
        : null;
    loraB = addAdapterParameter(
        LORA_B, manager.zeros(new ai.djl.ndarray.types.Shape(outFeatures(), config.rankB())));
  }

  /**
   * Wraps an initialised linear layer in a decomposed LoRA adapter: {@code A'} Kaiming-uniform,
   * {@code T} orthogonal, {@code B'} zero, so it equals {@code base} until it is trained.
   *
   * @param base the layer to adapt; its weight (and bias) arrays become this block's, frozen
   * @param config the adapter's settings
   * @param seed seed of the random initialisation of {@code A'} and {@code T}
   * @throws IllegalStateException if {@code base} has no weight array yet
   */
  public static LoraLinear wrap(Linear base, LoraConfig config, long seed) {
    return new LoraLinear(base, config, seed);
  }

  @Override
  public LoraConfig config() {
    return config;
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
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray input = inputs.singletonOrThrow();
    NDArray output = baseOutput(store, input, training);
    if (isMerged()) {
      return new NDList(output);
    }
    NDArray hidden = project(store, dropout(input, config.dropout(), training), loraA, training);
    if (mixer != null) {
      hidden = project(store, hidden, mixer, training);
    }
    NDArray update = project(store, hidden, loraB, training);
    return new NDList(output.add(scaled(update, config.scaling())));
  }

  /**
   * The update {@code s · B' T A'} of shape (out, in).
   *
   * @param manager owns the result
   */
  public NDArray deltaWeight(NDManager manager) {
    try (NDManager scratch = manager.newSubManager()) {
      NDArray a = loraA.getArray();
      NDArray product = mixer == null ? a : mixer.getArray().matMul(a);
      product.attach(scratch);
      NDArray delta = loraB.getArray().matMul(product);
      delta.attach(scratch);
      NDArray result = scaled(delta, config.scaling());
      result.attach(manager);
      return result;
    }
  }

  @Override
  public void merge() {
    try (NDManager scratch = weightManager().newSubManager()) {
      mergeDelta(deltaWeight(scratch), "a LoRA update");
    }
  }
}
