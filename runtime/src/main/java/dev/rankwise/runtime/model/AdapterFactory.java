package dev.rankwise.runtime.model;

import ai.djl.nn.core.Linear;
import dev.rankwise.runtime.AdapterConfig;
import dev.rankwise.runtime.AdapterLayer;
import dev.rankwise.runtime.experts.RankExpertsConfig;
import dev.rankwise.runtime.experts.RankExpertsLinear;
import dev.rankwise.runtime.lora.LoraConfig;
import dev.rankwise.runtime.lora.LoraLinear;
import dev.rankwise.runtime.lora.PerTaskLoraLinear;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.util.Optional;

/** Builds the adapter layer a config declares around one frozen linear layer. */
final class AdapterFactory {

  private AdapterFactory() {}

  static AdapterLayer create(
      AdapterConfig config, Optional<TaskRouterConfig> router, Linear base, long seed) {
    if (config instanceof LoraConfig lora && lora.perTask()) {
      return PerTaskLoraLinear.wrap(base, lora, router.orElseThrow(() -> new IllegalArgumentException(
          "@Lora(perTask = true) needs a @TaskRouter on the declaration")), seed);
    }
    if (config instanceof LoraConfig lora) {
      return LoraLinear.wrap(base, lora, seed);
    }
    if (config instanceof RankExpertsConfig experts) {
      return RankExpertsLinear.wrap(base, experts, router, seed);
    }
    throw new UnsupportedOperationException(
        config.kind() + " adapters are not implemented in this version of rankwise");
  }

  /** A per-layer seed, so a layer's initialisation does not depend on the order of attachment. */
  static long layerSeed(long seed, String path) {
    return seed * 0x9E3779B97F4A7C15L + path.hashCode();
  }
}
