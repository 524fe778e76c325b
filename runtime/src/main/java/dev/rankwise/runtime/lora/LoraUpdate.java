package dev.rankwise.runtime.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.rankwise.runtime.AdaptedLinear;
import dev.rankwise.runtime.LowRankFactors;
import dev.rankwise.runtime.internal.Initializers;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.BiFunction;

/**
 * One decomposed low-rank update {@code s · B' T A'}: its parameters, its forward term and its
 * delta weight. {@link LoraLinear} holds one; {@link PerTaskLoraLinear} one per task.
 */
final class LoraUpdate {

  private final LoraConfig config;
  private final Parameter loraA;
  private final Parameter mixer;
  private final Parameter loraB;

  /**
   * Creates the parameters through {@code add} (name, initial value) — the owning block's
   * {@code addAdapterParameter} — with {@code suffix} appended to each name.
   */
  LoraUpdate(
      LoraConfig config, long in, long out, String suffix, NDManager manager, Random random,
      BiFunction<String, NDArray, Parameter> add) {
    this.config = config;
    loraA = add.apply(LoraLinear.LORA_A + suffix,
        Initializers.kaimingUniform(manager, config.rankA(), in, random));
    mixer = config.hasMixer()
        ? add.apply(LoraLinear.LORA_T + suffix,
            Initializers.orthogonal(manager, config.rankB(), config.rankA(), random))
        : null;
    loraB = add.apply(LoraLinear.LORA_B + suffix, manager.zeros(new Shape(out, config.rankB())));
  }

  Parameter loraA() {
    return loraA;
  }

  Optional<Parameter> mixer() {
    return Optional.ofNullable(mixer);
  }

  Parameter loraB() {
    return loraB;
  }

  /** The parameters by file name, {@code A'}, {@code T}, {@code B'}. */
  Map<String, Parameter> parameters() {
    Map<String, Parameter> named = new LinkedHashMap<>();
    named.put(loraA.getName(), loraA);
    if (mixer != null) {
      named.put(mixer.getName(), mixer);
    }
    named.put(loraB.getName(), loraB);
    return named;
  }

  /** {@code s · T A' x} (..., rankB) for an input already through dropout: the hidden half of the update. */
  NDArray hidden(ParameterStore store, NDArray input, boolean training) {
    NDArray hidden = AdaptedLinear.project(store, input, loraA, training);
    if (mixer != null) {
      hidden = AdaptedLinear.project(store, hidden, mixer, training);
    }
    return AdaptedLinear.scaled(hidden, config.scaling());
  }

  /** {@code B'} (out, rankB) as the step sees it: the up-projection half of the update. */
  NDArray up(ParameterStore store, ai.djl.Device device, boolean training) {
    return store.getValue(loraB, device, training);
  }

  /**
   * The update as a plain LoRA of rank {@code min(a, b)}, in {@code manager}: {@code A = A'} and
   * {@code B = s · B' T} when {@code a ≤ b}, else {@code A = T A'} and {@code B = s · B'} (without a
   * mixer, {@code A'} and {@code s · B'}).
   */
  LowRankFactors factors(NDManager manager) {
    try (NDManager scratch = manager.newSubManager()) {
      NDArray a = loraA.getArray().duplicate();
      NDArray b = loraB.getArray().duplicate();
      a.attach(scratch);
      b.attach(scratch);
      if (mixer != null && config.rankA() <= config.rankB()) {
        b = b.matMul(mixer.getArray());
      } else if (mixer != null) {
        a = mixer.getArray().matMul(a);
      }
      b = AdaptedLinear.scaled(b, config.scaling());
      a.attach(manager);
      b.attach(manager);
      return new LowRankFactors(a, b);
    }
  }

  /** The update {@code s · B' T A'} of shape (out, in), in {@code manager}. */
  NDArray delta(NDManager manager) {
    try (NDManager scratch = manager.newSubManager()) {
      NDArray a = loraA.getArray();
      NDArray product = a;
      if (mixer != null) {
        product = mixer.getArray().matMul(a);
        product.attach(scratch); // never the parameter itself: closing the scratch would free it
      }
      NDArray delta = loraB.getArray().matMul(product);
      delta.attach(scratch);
      NDArray result = AdaptedLinear.scaled(delta, config.scaling());
      result.attach(manager);
      return result;
    }
  }
}
