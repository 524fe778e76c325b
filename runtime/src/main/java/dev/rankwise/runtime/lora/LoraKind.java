package dev.rankwise.runtime.lora;

import ai.djl.nn.core.Linear;
import dev.rankwise.runtime.AdapterKind;
import dev.rankwise.runtime.AdapterLayer;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.util.Optional;

/**
 * Decomposed LoRA ({@code @Lora}), named {@code LORA} in adapter files: one {@link LoraLinear}
 * shared by all tasks, or with {@code perTask} one update per task in a {@link PerTaskLoraLinear}.
 */
public final class LoraKind implements AdapterKind<LoraConfig> {

  /** For {@link java.util.ServiceLoader}. */
  public LoraKind() {}

  @Override
  public String name() {
    return "LORA";
  }

  @Override
  public Class<LoraConfig> configType() {
    return LoraConfig.class;
  }

  @Override
  public AdapterLayer wrap(Linear base, LoraConfig config, Optional<TaskRouterConfig> router, long seed) {
    if (!config.perTask()) {
      return LoraLinear.wrap(base, config, seed);
    }
    return PerTaskLoraLinear.wrap(base, config, router.orElseThrow(() -> new IllegalArgumentException(
        "@Lora(perTask = true) needs a @TaskRouter on the declaration")), seed);
  }
}
