package dev.rankwise.runtime.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import dev.rankwise.runtime.AdaptedLinear;
import dev.rankwise.runtime.LowRankFactors;
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
  private final LoraUpdate update;

  private LoraLinear(Linear base, LoraConfig config, long seed) {
    super(base);
    this.config = config;
    this.update = new LoraUpdate(config, inFeatures(), outFeatures(), "", weightManager(),
        new Random(seed), this::addAdapterParameter);
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
    return update.loraA();
  }

  /** The mixer {@code T} (rankB, rankA); empty with the identity mixer. */
  public Optional<Parameter> mixer() {
    return update.mixer();
  }

  /** The up-projection {@code B'} (out, rankB). */
  public Parameter loraB() {
    return update.loraB();
  }

  @Override
  public Map<String, Parameter> adapterParameters() {
    return update.parameters();
  }

  @Override
  public Map<String, Object> fileRecord() {
    return config.fileRecord();
  }

  @Override
  protected LowRank lowRank(ParameterStore store, NDArray input, boolean training) {
    return new LowRank(update.hidden(store, dropout(input, config.dropout(), training), training),
        update.up(store, input.getDevice(), training));
  }

  /** The update as a plain LoRA of rank {@code min(a, b)}; every task shares it. */
  @Override
  public LowRankFactors plainLora(int task, NDManager manager) {
    return update.factors(manager);
  }

  /**
   * The update {@code s · B' T A'} of shape (out, in).
   *
   * @param manager owns the result
   */
  public NDArray deltaWeight(NDManager manager) {
    return update.delta(manager);
  }

  @Override
  public void merge() {
    try (NDManager scratch = weightManager().newSubManager()) {
      mergeDelta(deltaWeight(scratch), "a LoRA update");
    }
  }
}
