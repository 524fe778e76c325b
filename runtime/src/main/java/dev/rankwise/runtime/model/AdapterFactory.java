package dev.rankwise.runtime.model;

import ai.djl.nn.core.Linear;
import dev.rankwise.runtime.AdapterConfig;
import dev.rankwise.runtime.AdapterLayer;
import dev.rankwise.runtime.lora.LoraConfig;
import dev.rankwise.runtime.lora.LoraLinear;

/** Builds the adapter layer a config declares around one frozen linear layer. */
final class AdapterFactory {

  private AdapterFactory() {}

  static AdapterLayer create(AdapterConfig config, Linear base, long seed) {
    if (config instanceof LoraConfig lora) {
      if (lora.perTask()) {
        throw new UnsupportedOperationException(
            "@Lora(perTask = true) is not implemented in this version of rankwise yet;"
                + " declare a shared @Lora for now");
      }
      return LoraLinear.wrap(base, lora, seed);
    }
    throw new UnsupportedOperationException(
        config.kind() + " adapters are not implemented in this version of rankwise yet");
  }

  /** A per-layer seed, so a layer's initialisation does not depend on the order of attachment. */
  static long layerSeed(long seed, String path) {
    return seed * 0x9E3779B97F4A7C15L + path.hashCode();
  }
}
