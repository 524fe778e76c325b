package dev.rankwise.runtime.experts;

import ai.djl.nn.core.Linear;
import dev.rankwise.runtime.AdapterKind;
import dev.rankwise.runtime.AdapterLayer;
import dev.rankwise.runtime.internal.FileRecord;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Rank-wise experts ({@code @RankExperts}), named {@code RANK_EXPERTS} in adapter files: a {@link
 * RankExpertsLinear} routed by task with the declaration's {@code @TaskRouter}, by token without.
 */
public final class RankExpertsKind implements AdapterKind<RankExpertsConfig> {

  /** For {@link java.util.ServiceLoader}. */
  public RankExpertsKind() {}

  @Override
  public String name() {
    return "RANK_EXPERTS";
  }

  @Override
  public Class<RankExpertsConfig> configType() {
    return RankExpertsConfig.class;
  }

  @Override
  public AdapterLayer wrap(
      Linear base, RankExpertsConfig config, Optional<TaskRouterConfig> router, long seed) {
    return RankExpertsLinear.wrap(base, config, router, seed);
  }

  /** {@inheritDoc} The alpha is the one that gives the recorded scaling exactly. */
  @Override
  public RankExpertsConfig readRecord(Map<String, Object> record, Optional<TaskRouterConfig> router) {
    String routing = FileRecord.text(record, "routing");
    if (routing.equals(ExpertGate.BY_TASK) != router.isPresent()) {
      throw new IllegalArgumentException("routes by " + routing + " but the config "
          + (router.isPresent() ? "names" : "names no") + " tasks (rankwise.tasks)");
    }
    int topK = FileRecord.number(record, "top_k").intValue();
    return new RankExpertsConfig(FileRecord.number(record, "count").intValue(), topK,
        FileRecord.alphaFor(FileRecord.number(record, "scaling").doubleValue(), topK),
        FileRecord.number(record, "dropout").doubleValue(), FileRecord.number(record, "balance").doubleValue());
  }

  /** Experts routed by task record their router's {@code adaptive} and {@code contrastive}. */
  @Override
  public Optional<TaskRouterConfig> readRouting(Map<String, Object> record, List<String> tasks) {
    if (!FileRecord.text(record, "routing").equals(ExpertGate.BY_TASK)) {
      return Optional.empty();
    }
    return Optional.of(new TaskRouterConfig(tasks, FileRecord.flag(record, "adaptive"),
        FileRecord.number(record, "contrastive").doubleValue()));
  }
}
