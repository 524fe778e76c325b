package dev.rankwise.runtime.experts;

import ai.djl.nn.core.Linear;
import dev.rankwise.runtime.AdapterKind;
import dev.rankwise.runtime.AdapterLayer;
import dev.rankwise.runtime.route.TaskRouterConfig;
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
}
