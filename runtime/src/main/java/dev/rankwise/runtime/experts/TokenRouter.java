package dev.rankwise.runtime.experts;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.rankwise.runtime.AdaptedLinear;
import dev.rankwise.runtime.internal.Initializers;
import dev.rankwise.runtime.internal.RoutingContext;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.BiFunction;

/**
 * Token routing (SMoRA-style, no {@code @TaskRouter}): a router {@code softmax(W_r x)} scores the
 * experts per token, top-k with a straight-through gate, and a Switch-Transformer load-balancing loss
 * {@code balance · R · Σ_i f_i P_i} ({@code f_i} share of routing slots, {@code P_i} mean score)
 * keeps every expert in use. Every token picks its own experts, so such an adapter cannot be merged.
 */
final class TokenRouter implements ExpertGate {

  private final RankExpertsConfig config;
  private final Parameter projection;

  /** Creates the router (R × in), Kaiming-uniform, through {@code add}. */
  TokenRouter(RankExpertsConfig config, long in, NDManager manager, Random random,
      BiFunction<String, NDArray, Parameter> add) {
    this.config = config;
    projection = add.apply(RankExpertsLinear.ROUTER,
        Initializers.kaimingUniform(manager, config.count(), in, random));
  }

  @Override
  public Map<String, Parameter> parameters() {
    Map<String, Parameter> named = new LinkedHashMap<>();
    named.put(RankExpertsLinear.ROUTER, projection);
    return named;
  }

  /** Per-token gates (..., R) from the router, and the load-balancing loss while training. */
  @Override
  public NDArray gates(ParameterStore store, NDArray input, boolean training) {
    NDArray scores = AdaptedLinear.project(store, input, projection, training).softmax(-1);
    NDArray hard = RankExpertsLinear.topKMask(scores, config.topK());
    if (training && config.balance() > 0) {
      RoutingContext.current().ifPresent(routing -> routing.addAuxiliaryLoss("balance", balanceLoss(hard, scores)));
    }
    return RankExpertsLinear.straightThrough(hard, scores);
  }

  private NDArray balanceLoss(NDArray hard, NDArray scores) {
    long experts = config.count();
    NDArray flatHard = hard.reshape(-1, experts);
    NDArray flatScores = scores.reshape(-1, experts);
    NDManager manager = hard.getManager();
    NDArray share = flatHard.mean(new int[] {0})
        .div(manager.create((float) config.topK()).toType(hard.getDataType(), false));
    NDArray meanScore = flatScores.mean(new int[] {0});
    NDArray weight = manager.create((float) (config.balance() * experts)).toType(hard.getDataType(), false);
    return share.mul(meanScore).sum().mul(weight);
  }

  @Override
  public Optional<TaskRouterConfig> router() {
    return Optional.empty();
  }

  @Override
  public int[] selectedExperts(int task) {
    throw new IllegalStateException("selectedExperts needs task routing; this layer routes by token");
  }

  @Override
  public void addToRecord(Map<String, Object> record) {
    record.put("routing", "TOKEN");
    record.put("adaptive", false);
    record.put("contrastive", 0.0);
  }
}
