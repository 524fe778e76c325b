package dev.rankwise.runtime.experts;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.rankwise.runtime.AdapterLayer;
import dev.rankwise.runtime.internal.RoutingContext;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;

/**
 * Task routing with nested ranks as in MoRE ({@code @TaskRouter(adaptive = true)}): task {@code t}
 * also learns a distribution {@code p_t} over how many experts it uses, {@code r ∈ 1..topK}; the
 * forward pass keeps its {@code r* = argmax p_t} best-scored experts, the backward pass uses the
 * soft keep probability {@code P(r ≥ j)} of position {@code j} (straight-through). An auxiliary
 * loss {@value #RANK_COST} × the expected share of experts used makes rank cost something, so a task
 * keeps only the experts that pay for themselves.
 */
final class AdaptiveTaskGate extends AbstractTaskGate {

  /** Weight of the adaptive rank cost: the expected share of the topK experts a task uses. */
  static final double RANK_COST = 0.01;

  private final Parameter rankLogits;

  /** Offsets start at zero; the rank logits rise with r, so every task starts using all topK experts. */
  AdaptiveTaskGate(RankExpertsConfig config, TaskRouterConfig router, long in, NDManager manager,
      Random random, BiFunction<String, NDArray, Parameter> add) {
    super(config, router, in, new float[router.tasks().size() * config.count()], manager, random, add);
    int tasks = router.tasks().size();
    float[] logits = new float[tasks * config.topK()];
    for (int i = 0; i < logits.length; i++) {
      logits[i] = (float) (i % config.topK()) / config.topK();
    }
    rankLogits = add.apply(RankExpertsLinear.RANK_LOGITS,
        manager.create(logits, new Shape(tasks, config.topK())));
  }

  @Override
  public Map<String, Parameter> parameters() {
    Map<String, Parameter> named = super.parameters();
    named.put(RankExpertsLinear.RANK_LOGITS, rankLogits);
    return named;
  }

  /** As the fixed gate's, and row {@code task} of the rank logits. */
  @Override
  public Map<String, AdapterLayer.TaskRows> taskRows(int task) {
    Map<String, AdapterLayer.TaskRows> own = super.taskRows(task);
    own.put(RankExpertsLinear.RANK_LOGITS, new AdapterLayer.TaskRows(task, task + 1));
    return own;
  }

  /**
   * The experts at score positions {@code 1..r*} with {@code r* = argmax p}, straight-through on the
   * keep probability {@code P(r ≥ j)}; adds the rank cost.
   */
  @Override
  NDArray hardMask(
      ParameterStore store, NDArray scores, NDArray oneHot, RoutingContext routing, boolean training) {
    NDArray rankProbabilities =
        oneHot.matMul(store.getValue(rankLogits, scores.getDevice(), training)).softmax(-1);
    int k = config.topK();
    int experts = config.count();
    NDArray positions = scores.stopGradient().topK(k, -1, true, true).get(1); // (rows, k) best first
    // P(r >= j) = 1 - sum_{r < j} p_r
    NDArray below = rankProbabilities.cumSum(-1).sub(rankProbabilities);
    NDArray keepSoft = below.onesLike().sub(below);
    NDArray chosen = rankProbabilities.argMax(-1).expandDims(-1); // r* - 1
    NDArray ranks = rankProbabilities.getManager().arange(k).toType(DataType.INT64, false);
    NDArray keepHard = ranks.lte(chosen.toType(DataType.INT64, false)).toType(scores.getDataType(), false);
    NDArray keep = RankExpertsLinear.straightThrough(keepHard, keepSoft); // (rows, k)
    NDArray placed = positions.oneHot(experts).toType(scores.getDataType(), false); // (rows, k, R)
    NDArray mask = placed.mul(keep.expandDims(-1)).sum(new int[] {-2});
    NDArray cost = keepSoft.mean()
        .mul(keepSoft.getManager().create((float) RANK_COST).toType(keepSoft.getDataType(), false));
    routing.addAuxiliaryLoss("rank", cost);
    return mask;
  }

  @Override
  int expertsUsed(int task, NDManager scratch) {
    NDArray ranks = rankLogits.getArray().get(task);
    ranks.attach(scratch);
    return Math.toIntExact(ranks.argMax().getLong()) + 1;
  }
}
