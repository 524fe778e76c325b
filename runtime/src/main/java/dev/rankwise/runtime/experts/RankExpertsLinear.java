package dev.rankwise.runtime.experts;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import dev.rankwise.runtime.AdaptedLinear;
import dev.rankwise.runtime.LowRankFactors;
import dev.rankwise.runtime.internal.Initializers;
import dev.rankwise.runtime.internal.RoutingContext;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * Rank-wise experts on a frozen linear layer (Zhang et al., 2025, method 2): one adapter of total
 * rank {@code R = count}, {@code A} (R × in) and {@code B} (out × R), whose expert {@code i} is the
 * rank-1 pair ({@code B[:, i]}, {@code A[i, :]}); the update is {@code s · B diag(g) A x} for a gate
 * {@code g} that keeps at most {@code topK} experts.
 *
 * <p>The gate is one of three, chosen by the declaration:
 *
 * <ul>
 *   <li><b>task routing</b> ({@code @TaskRouter}): each task's learned scores keep its {@code topK}
 *       best experts, a fixed subset per task, so the layer merges per task;
 *   <li><b>adaptive</b> ({@code @TaskRouter(adaptive = true)}): each task also learns how many of up
 *       to {@code topK} experts it uses (nested ranks, as MoRE);
 *   <li><b>token routing</b> (no {@code @TaskRouter}): a router picks experts per token, with load
 *       balancing; such an adapter cannot be merged.
 * </ul>
 *
 * <p>Auxiliary losses go to the {@link RoutingContext} of the forward pass ("rank", "balance",
 * "contrastive"); the training loops add them to the objective and log them separately.
 */
public final class RankExpertsLinear extends AdaptedLinear {

  /** File name of {@code A} (R, in). */
  public static final String EXPERTS_A = "experts_A";

  /** File name of {@code B} (out, R). */
  public static final String EXPERTS_B = "experts_B";

  /** File name of the task embeddings (tasks, in). */
  public static final String TASK_EMBEDDING = "task_embedding";

  /** File name of the gate projection (R, in). */
  public static final String GATE = "gate";

  /** File name of the per-task gate offsets (tasks, R). */
  public static final String TASK_GATE = "task_gate";

  /** File name of the per-task rank logits (tasks, topK), with adaptive ranks. */
  public static final String RANK_LOGITS = "rank_logits";

  /** File name of the token router (R, in). */
  public static final String ROUTER = "router";

  private static final String TOKEN_ROUTED_MERGE =
      "token-routed rank experts cannot be merged: every token picks its own experts";

  private final RankExpertsConfig config;
  private final Parameter expertsA;
  private final Parameter expertsB;
  private final ExpertGate gate;

  private RankExpertsLinear(
      Linear base, RankExpertsConfig config, Optional<TaskRouterConfig> router, long seed) {
    super(base);
    this.config = config;
    NDManager manager = weightManager();
    Random random = new Random(seed);
    int count = config.count();
    expertsA = addAdapterParameter(EXPERTS_A, Initializers.kaimingUniform(manager, count, inFeatures(), random));
    expertsB = addAdapterParameter(EXPERTS_B, manager.zeros(new Shape(outFeatures(), count)));
    gate = router.<ExpertGate>map(tasks -> tasks.adaptive()
            ? new AdaptiveTaskGate(config, tasks, inFeatures(), manager, random, this::addAdapterParameter)
            : new TaskGate(config, tasks, inFeatures(), manager, random, this::addAdapterParameter))
        .orElseGet(() -> new TokenRouter(config, inFeatures(), manager, random, this::addAdapterParameter));
  }

  /**
   * Wraps an initialised linear layer in rank-wise experts, {@code B} zero so that it equals
   * {@code base} until it is trained.
   *
   * @param router task routing, or empty for token routing
   * @param seed seed of the random initialisation
   */
  public static RankExpertsLinear wrap(
      Linear base, RankExpertsConfig config, Optional<TaskRouterConfig> router, long seed) {
    return new RankExpertsLinear(base, config, router, seed);
  }

  @Override
  public RankExpertsConfig config() {
    return config;
  }

  /** The task routing, empty for token routing. */
  public Optional<TaskRouterConfig> router() {
    return gate.router();
  }

  /** {@code A} (R, in): row i is expert i's down-projection. */
  public Parameter expertsA() {
    return expertsA;
  }

  /** {@code B} (out, R): column i is expert i's up-projection. */
  public Parameter expertsB() {
    return expertsB;
  }

  /** The parameters that route: task embeddings, gate projection and rank logits, or the token router. */
  @Override
  public Map<String, Parameter> routingParameters() {
    return gate.parameters();
  }

  @Override
  public Map<String, Parameter> adapterParameters() {
    Map<String, Parameter> named = new LinkedHashMap<>();
    named.put(EXPERTS_A, expertsA);
    named.put(EXPERTS_B, expertsB);
    named.putAll(gate.parameters());
    return named;
  }

  /**
   * Task-routed experts: the task's rows of the embeddings, offsets (and rank logits); the experts
   * and the gate projection are every task's. Empty for a token router.
   */
  @Override
  public Map<String, TaskRows> taskParameters(int task) {
    return gate.taskRows(task);
  }

  @Override
  public Map<String, Object> fileRecord() {
    Map<String, Object> record = new LinkedHashMap<>();
    record.put("count", config.count());
    record.put("top_k", config.topK());
    record.put("scaling", config.scaling());
    record.put("dropout", config.dropout());
    record.put("balance", config.balance());
    gate.addToRecord(record);
    return record;
  }

  @Override
  protected LowRank lowRank(ParameterStore store, NDArray input, boolean training) {
    NDArray hidden = project(store, dropout(input, config.dropout(), training), expertsA, training);
    NDArray gates = gate.gates(store, input, training);
    return new LowRank(scaled(hidden.mul(gates), config.scaling()),
        store.getValue(expertsB, input.getDevice(), training));
  }

  /** 0/1 mask of the k best scores along the last axis (exactly k, ties broken by index). */
  static NDArray topKMask(NDArray scores, int k) {
    int experts = Math.toIntExact(scores.getShape().getLastDimension());
    NDArray indices = scores.stopGradient().topK(k, -1, true, false).get(1);
    return indices.oneHot(experts).toType(scores.getDataType(), false).sum(new int[] {-2});
  }

  /** Forward {@code hard}, backward through {@code soft}: {@code hard + soft − stopGradient(soft)}. */
  static NDArray straightThrough(NDArray hard, NDArray soft) {
    return hard.add(soft.sub(soft.stopGradient()));
  }

  /**
   * The experts task {@code task} uses now: its {@code topK} (or, adaptive, its {@code r*}) best-
   * scored experts, best first.
   *
   * @throws IllegalStateException if this layer routes by token
   */
  public int[] selectedExperts(int task) {
    return gate.selectedExperts(task);
  }

  @Override
  public Map<String, int[]> selectedExperts() {
    Map<String, int[]> byTask = new LinkedHashMap<>();
    List<String> tasks = router().map(TaskRouterConfig::tasks).orElse(List.of());
    for (int task = 0; task < tasks.size(); task++) {
      byTask.put(tasks.get(task), selectedExperts(task));
    }
    return byTask;
  }

  /**
   * The task's update as a plain LoRA whose rank is its selected experts: their rows of {@code
   * experts_A} and their columns of {@code experts_B}, scaled.
   *
   * @throws IllegalStateException for token-routed experts
   */
  @Override
  public LowRankFactors plainLora(int task, NDManager manager) {
    if (router().isEmpty()) {
      throw new IllegalStateException("token-routed rank experts have no plain LoRA form: every token picks"
          + " its own experts");
    }
    int[] selected = selectedExperts(task);
    long[] indices = new long[selected.length];
    for (int i = 0; i < selected.length; i++) {
      indices[i] = selected[i];
    }
    try (NDManager scratch = manager.newSubManager()) {
      NDArray rows = scratch.create(indices);
      NDArray a = expertsA.getArray().get(rows);
      a.attach(scratch); // an op's result lives in its first operand's manager: the model's
      NDArray columns = expertsB.getArray().transpose();
      columns.attach(scratch);
      NDArray scaledB = scaled(columns.get(rows).transpose(), config.scaling());
      a.attach(manager);
      scaledB.attach(manager);
      return new LowRankFactors(a, scaledB);
    }
  }

  /** The update {@code s · B diag(m) A} of one task, shape (out, in), for its selected experts. */
  public NDArray taskDelta(int task, NDManager manager) {
    float[] mask = new float[config.count()];
    for (int expert : selectedExperts(task)) {
      mask[expert] = 1;
    }
    try (NDManager scratch = manager.newSubManager()) {
      NDArray gates = scratch.create(mask).toType(expertsB.getArray().getDataType(), false);
      NDArray masked = gates.mul(expertsB.getArray()); // broadcast over out rows
      NDArray delta = masked.matMul(expertsA.getArray());
      delta.attach(scratch);
      NDArray result = scaled(delta, config.scaling());
      result.attach(manager);
      return result;
    }
  }

  @Override
  public void merge() {
    throw new IllegalStateException(router().isPresent()
        ? "task-routed rank experts merge one task at a time: call mergeTask(task)"
        : TOKEN_ROUTED_MERGE);
  }

  @Override
  public void mergeTask(int task) {
    TaskRouterConfig router = router().orElseThrow(() -> new IllegalStateException(TOKEN_ROUTED_MERGE));
    try (NDManager scratch = weightManager().newSubManager()) {
      mergeDelta(taskDelta(task, scratch), "the rank experts of task '" + router.tasks().get(task) + "'");
    }
  }
}
