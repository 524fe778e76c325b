package dev.rankwise.runtime.lora;

import ai.djl.nn.core.Linear;
import dev.rankwise.annotations.Mixer;
import dev.rankwise.runtime.AdapterKind;
import dev.rankwise.runtime.AdapterLayer;
import dev.rankwise.runtime.internal.FileRecord;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.util.Map;
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

  /**
   * {@inheritDoc}
   *
   * <p>The record keeps the scaling, not {@code alpha} and {@code rsLora}: the rebuilt config has
   * the {@code alpha} (and, for a scaling only rank-stabilised LoRA gives, {@code rsLora}) that
   * gives the recorded scaling bit for bit, so the forward pass is the same; saved again as PEFT
   * LoRA, its {@code lora_alpha} is that alpha, which PEFT scales the same way.
   */
  @Override
  public LoraConfig readRecord(Map<String, Object> record, Optional<TaskRouterConfig> router) {
    boolean perTask = FileRecord.flag(record, "per_task");
    if (perTask && router.isEmpty()) {
      throw new IllegalArgumentException("holds per-task LoRA but the config names no tasks (rankwise.tasks)");
    }
    int rankA = FileRecord.number(record, "rank_a").intValue();
    int rankB = FileRecord.number(record, "rank_b").intValue();
    double scaling = FileRecord.number(record, "scaling").doubleValue();
    int rank = Math.min(rankA, rankB);
    double alpha = scaling == 1 ? 0 : FileRecord.exactAlpha(scaling, rank);
    boolean rsLora = Double.isNaN(alpha);
    if (rsLora) {
      alpha = FileRecord.alphaFor(scaling, Math.sqrt(rank));
    }
    return new LoraConfig(rankA, rankB, alpha, FileRecord.number(record, "dropout").doubleValue(),
        Mixer.valueOf(FileRecord.text(record, "mixer")), rsLora, perTask);
  }
}
