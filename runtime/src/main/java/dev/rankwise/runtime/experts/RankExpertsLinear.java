package dev.rankwise.runtime.experts;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import dev.rankwise.runtime.AdaptedLinear;
import dev.rankwise.runtime.Initializers;
import dev.rankwise.runtime.internal.RoutingContext;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * Rank-wise experts on a frozen linear layer (Zhang et al., 2025, method 2): one adapter of total
 * rank {@code R = count}, {@code A} (R × in) and {@code B} (out × R), whose expert {@code i} is the
 * rank-1 pair ({@code B[:, i]}, {@code A[i, :]}); the update is {@code s · B diag(g) A x} for a gate
 * {@code g} that keeps at most {@code topK} experts.
 *
 * <p><b>Task routing</b> (with a {@link TaskRouterConfig}): task {@code t} has an embedding {@code
 * e_t} (in) and offsets {@code c_t} (R), and the gate scores are {@code softmax(G e_t + c_t)} with a
 * shared gate projection {@code G} (R × in); each task's offsets start with a bonus on its own block
 * of experts so that tasks start apart. The forward pass keeps the {@code topK} best-scored experts with weight 1 (a hard mask,
 * so a task's adapter is a fixed subset and merges per task); the backward pass is straight-through
 * ({@code g = hard + soft − stopGradient(soft)}), so the embeddings and the projection receive
 * gradients and the gates really train. Each row of a mixed batch uses its own task's gate.
 *
 * <p><b>Adaptive</b> ({@code @TaskRouter(adaptive = true)}): nested ranks as in MoRE. Task {@code t}
 * also learns a distribution {@code p_t} over how many experts it uses, {@code r ∈ 1..topK}; the
 * forward pass keeps the {@code r* = argmax p_t} best-scored experts, the backward pass uses the soft
 * keep probability {@code P(r ≥ j)} of position {@code j} (straight-through). An auxiliary loss
 * {@value #RANK_COST} × the expected share of experts used makes rank cost something, so a task
 * keeps only the experts that pay for themselves.
 *
 * <p><b>Token routing</b> (no router config): a router {@code softmax(W_r x)} scores the experts per
 * token, top-k with the same straight-through gate, and a Switch-Transformer load-balancing loss
 * {@code balance · R · Σ_i f_i P_i} ({@code f_i} share of routing slots, {@code P_i} mean score)
 * keeps every expert in use. Such an adapter cannot be merged.
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

  /**
   * Starting bonus of each task's offsets on its own block of topK experts (task t's block starts
   * at expert ⌊t·R/T⌋), so tasks start apart; with random starts alone, tasks that began on the same
   * experts often stayed there.
   */
  public static final float START_BONUS = 2f;

  /** File name of the per-task rank logits (tasks, topK), with adaptive ranks. */
  public static final String RANK_LOGITS = "rank_logits";

  /** File name of the token router (R, in). */
  public static final String ROUTER = "router";

  /** Weight of the adaptive rank cost: the expected share of the topK experts a task uses. */
  public static final double RANK_COST = 0.01;

  /** Temperature of the contrastive task-embedding loss (MoRE's 0.05). */
  public static final double CONTRASTIVE_TEMPERATURE = 0.05;

  private final RankExpertsConfig config;
  private final TaskRouterConfig router;
  private final Parameter expertsA;
  private final Parameter expertsB;
  private final Parameter taskEmbedding;
  private final Parameter gate;
  private final Parameter taskGate;
  private final Parameter rankLogits;
  private final Parameter tokenRouter;

  private RankExpertsLinear(Linear base, RankExpertsConfig config, TaskRouterConfig router, long seed) {
    super(base);
    this.config = config;
    this.router = router;
    NDManager manager = weightManager();
    Random random = new Random(seed);
    int count = config.count();
    expertsA = addAdapterParameter(EXPERTS_A, Initializers.kaimingUniform(manager, count, inFeatures(), random));
    expertsB = addAdapterParameter(EXPERTS_B, manager.zeros(new Shape(outFeatures(), count)));
    if (router != null) {
      int tasks = router.tasks().size();
      taskEmbedding = addAdapterParameter(TASK_EMBEDDING,
          Initializers.normal(manager, new Shape(tasks, inFeatures()), 1, random));
      gate = addAdapterParameter(GATE, Initializers.kaimingUniform(manager, count, inFeatures(), random));
      float[] offsets = new float[tasks * count];
      if (!router.adaptive()) {
        for (int task = 0; task < tasks; task++) {
          int first = task * count / tasks;
          for (int j = 0; j < config.topK(); j++) {
            offsets[task * count + (first + j) % count] = START_BONUS;
          }
        }
      }
      taskGate = addAdapterParameter(TASK_GATE, manager.create(offsets, new Shape(tasks, count)));
      if (router.adaptive()) {
        // Start by using every one of the topK experts: the logits rise with r.
        float[] logits = new float[tasks * config.topK()];
        for (int i = 0; i < logits.length; i++) {
          logits[i] = (float) (i % config.topK()) / config.topK();
        }
        rankLogits = addAdapterParameter(RANK_LOGITS, manager.create(logits, new Shape(tasks, config.topK())));
      } else {
        rankLogits = null;
      }
      tokenRouter = null;
    } else {
      taskEmbedding = null;
      gate = null;
      taskGate = null;
      rankLogits = null;
      tokenRouter = addAdapterParameter(ROUTER, Initializers.kaimingUniform(manager, count, inFeatures(), random));
    }
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
    return new RankExpertsLinear(base, config, router.orElse(null), seed);
  }

  @Override
  public RankExpertsConfig config() {
    return config;
  }

  /** The task routing, empty for token routing. */
  public Optional<TaskRouterConfig> router() {
    return Optional.ofNullable(router);
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
  public Map<String, Parameter> routingParameters() {
    Map<String, Parameter> routing = new LinkedHashMap<>(adapterParameters());
    routing.remove(EXPERTS_A);
    routing.remove(EXPERTS_B);
    return routing;
  }

  @Override
  public Map<String, Parameter> adapterParameters() {
    Map<String, Parameter> named = new LinkedHashMap<>();
    named.put(EXPERTS_A, expertsA);
    named.put(EXPERTS_B, expertsB);
    if (taskEmbedding != null) {
      named.put(TASK_EMBEDDING, taskEmbedding);
      named.put(GATE, gate);
      named.put(TASK_GATE, taskGate);
    }
    if (rankLogits != null) {
      named.put(RANK_LOGITS, rankLogits);
    }
    if (tokenRouter != null) {
      named.put(ROUTER, tokenRouter);
    }
    return named;
  }

  @Override
  protected LowRank lowRank(ParameterStore store, NDArray input, boolean training) {
    NDArray hidden = project(store, dropout(input, config.dropout(), training), expertsA, training);
    NDArray gates = router != null ? taskGates(store, input, training) : tokenGates(store, input, training);
    return new LowRank(scaled(hidden.mul(gates), config.scaling()),
        store.getValue(expertsB, input.getDevice(), training));
  }

  /** Per-row gates (batch, 1, ..., 1, R) from each row's task. */
  private NDArray taskGates(ParameterStore store, NDArray input, boolean training) {
    RoutingContext routing = RoutingContext.require("a task-routed @RankExperts layer");
    long rows = input.getShape().get(0);
    NDArray taskIds = RoutingContext.requireTaskIds(
        "a task-routed @RankExperts layer", router.tasks().size(), rows);
    NDArray oneHot = taskIds.oneHot(router.tasks().size()).toType(input.getDataType(), false);
    NDArray embeddings = oneHot.matMul(store.getValue(taskEmbedding, input.getDevice(), training));
    NDArray offsets = oneHot.matMul(store.getValue(taskGate, input.getDevice(), training));
    NDArray scores = project(store, embeddings, gate, training).add(offsets).softmax(-1);
    NDArray hard;
    if (rankLogits != null) {
      NDArray rankProbabilities =
          oneHot.matMul(store.getValue(rankLogits, input.getDevice(), training)).softmax(-1);
      hard = nestedMask(scores, rankProbabilities, routing);
    } else {
      hard = topKMask(scores, config.topK());
    }
    if (router.contrastive() > 0 && training) {
      routing.addAuxiliaryLoss("contrastive", contrastiveLoss(store, input, oneHot, training));
    }
    NDArray gates = straightThrough(hard, scores);
    return gates.reshape(broadcastShape(input, rows));
  }

  /** Per-token gates (..., R) from the token router, and the load-balancing loss. */
  private NDArray tokenGates(ParameterStore store, NDArray input, boolean training) {
    NDArray scores = project(store, input, tokenRouter, training).softmax(-1);
    NDArray hard = topKMask(scores, config.topK());
    if (training && config.balance() > 0) {
      RoutingContext.current().ifPresent(routing -> routing.addAuxiliaryLoss("balance", balanceLoss(hard, scores)));
    }
    return straightThrough(hard, scores);
  }

  /** 0/1 mask of the k best scores along the last axis (exactly k, ties broken by index). */
  static NDArray topKMask(NDArray scores, int k) {
    int experts = Math.toIntExact(scores.getShape().getLastDimension());
    NDArray indices = scores.stopGradient().topK(k, -1, true, false).get(1);
    return indices.oneHot(experts).toType(scores.getDataType(), false).sum(new int[] {-2});
  }

  /**
   * The adaptive mask: the experts at score positions {@code 1..r*} with {@code r* = argmax p},
   * straight-through on the keep probability {@code P(r ≥ j)}; adds the rank cost.
   */
  private NDArray nestedMask(NDArray scores, NDArray rankProbabilities, RoutingContext routing) {
    int k = config.topK();
    int experts = config.count();
    NDArray positions = scores.stopGradient().topK(k, -1, true, true).get(1); // (rows, k) best first
    // P(r >= j) = 1 - sum_{r < j} p_r
    NDArray below = rankProbabilities.cumSum(-1).sub(rankProbabilities);
    NDArray keepSoft = below.onesLike().sub(below);
    NDArray chosen = rankProbabilities.argMax(-1).expandDims(-1); // r* - 1
    NDArray ranks = rankProbabilities.getManager().arange(k).toType(DataType.INT64, false);
    NDArray keepHard = ranks.lte(chosen.toType(DataType.INT64, false)).toType(scores.getDataType(), false);
    NDArray keep = straightThrough(keepHard, keepSoft); // (rows, k)
    NDArray placed = positions.oneHot(experts).toType(scores.getDataType(), false); // (rows, k, R)
    NDArray mask = placed.mul(keep.expandDims(-1)).sum(new int[] {-2});
    NDArray cost = keepSoft.mean().mul(keepSoft.getManager().create((float) RANK_COST).toType(keepSoft.getDataType(), false));
    routing.addAuxiliaryLoss("rank", cost);
    return mask;
  }

  /** Forward {@code hard}, backward through {@code soft}: {@code hard + soft − stopGradient(soft)}. */
  private static NDArray straightThrough(NDArray hard, NDArray soft) {
    return hard.add(soft.sub(soft.stopGradient()));
  }

  private NDArray balanceLoss(NDArray hard, NDArray scores) {
    long experts = config.count();
    NDArray flatHard = hard.reshape(-1, experts);
    NDArray flatScores = scores.reshape(-1, experts);
    NDManager manager = hard.getManager();
    NDArray share = flatHard.mean(new int[] {0}).div(manager.create((float) config.topK()).toType(hard.getDataType(), false));
    NDArray meanScore = flatScores.mean(new int[] {0});
    NDArray weight = manager.create((float) (config.balance() * experts)).toType(hard.getDataType(), false);
    return share.mul(meanScore).sum().mul(weight);
  }

  /**
   * MoRE's contrastive loss: each row's mean input state should be nearer (cosine, temperature
   * 0.05) to its own task's embedding than to the other tasks'.
   */
  private NDArray contrastiveLoss(ParameterStore store, NDArray input, NDArray oneHot, boolean training) {
    NDArray states = input;
    while (states.getShape().dimension() > 2) {
      states = states.mean(new int[] {1});
    }
    NDManager manager = input.getManager();
    NDArray embeddings = manager.eye(router.tasks().size()).toType(input.getDataType(), false)
        .matMul(store.getValue(taskEmbedding, input.getDevice(), training));
    NDArray logits = unit(states).matMul(unit(embeddings).transpose())
        .div(manager.create((float) CONTRASTIVE_TEMPERATURE).toType(input.getDataType(), false));
    NDArray picked = logits.logSoftmax(-1).mul(oneHot).sum(new int[] {-1});
    return picked.mean().mul(manager.create((float) -router.contrastive()).toType(input.getDataType(), false));
  }

  private static NDArray unit(NDArray rows) {
    NDArray norms = rows.square().sum(new int[] {-1}, true).sqrt()
        .maximum(rows.getManager().create(1e-12f).toType(rows.getDataType(), false));
    return rows.div(norms);
  }

  private static Shape broadcastShape(NDArray input, long rows) {
    long[] shape = new long[input.getShape().dimension()];
    Arrays.fill(shape, 1);
    shape[0] = rows;
    shape[shape.length - 1] = -1;
    return new Shape(shape);
  }

  /**
   * The experts task {@code task} uses now: its {@code topK} (or, adaptive, its {@code r*}) best-
   * scored experts, best first.
   */
  public int[] selectedExperts(int task) {
    requireTaskRouting("selectedExperts");
    try (NDManager scratch = weightManager().newSubManager()) {
      NDArray embedding = taskEmbedding.getArray().get(new NDIndex("{}:{}", task, task + 1));
      embedding.attach(scratch);
      NDArray offsets = taskGate.getArray().get(task);
      offsets.attach(scratch);
      NDArray logits = Linear.linear(embedding, gate.getArray()).singletonOrThrow().squeeze(0).add(offsets);
      int used = config.topK();
      if (rankLogits != null) {
        NDArray ranks = rankLogits.getArray().get(task);
        ranks.attach(scratch);
        used = Math.toIntExact(ranks.argMax().getLong()) + 1;
      }
      long[] order = logits.argSort(-1, false).toLongArray();
      return Arrays.stream(order).limit(used).mapToInt(Math::toIntExact).toArray();
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
    if (router == null) {
      throw new IllegalStateException(
          "token-routed rank experts cannot be merged: every token picks its own experts");
    }
    throw new IllegalStateException(
        "task-routed rank experts merge one task at a time: call mergeTask(task)");
  }

  @Override
  public void mergeTask(int task) {
    if (router == null) {
      merge();
    }
    try (NDManager scratch = weightManager().newSubManager()) {
      mergeDelta(taskDelta(task, scratch), "the rank experts of task '" + router.tasks().get(task) + "'");
    }
  }

  private void requireTaskRouting(String what) {
    if (router == null) {
      throw new IllegalStateException(what + " needs task routing; this layer routes by token");
    }
  }
}
