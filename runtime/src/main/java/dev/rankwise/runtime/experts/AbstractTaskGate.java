package dev.rankwise.runtime.experts;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import dev.rankwise.runtime.AdaptedLinear;
import dev.rankwise.runtime.AdapterLayer;
import dev.rankwise.runtime.internal.Initializers;
import dev.rankwise.runtime.internal.RoutingContext;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.BiFunction;

/**
 * What both task gates share: task {@code t} has an embedding {@code e_t} (in) and offsets {@code
 * c_t} (R), and its expert scores are {@code softmax(G e_t + c_t)} with a shared gate projection
 * {@code G} (R × in). Each row of a mixed batch uses its own task's scores. The forward pass uses a
 * hard mask of the scores ({@link #hardMask}, the subclass's), the backward pass goes straight
 * through to the soft scores, so the embeddings and the projection receive gradients. With {@code
 * contrastive > 0}, MoRE's contrastive loss pulls each row's input states towards its task's
 * embedding.
 */
abstract class AbstractTaskGate implements ExpertGate {

  /** Temperature of the contrastive task-embedding loss (MoRE's 0.05). */
  static final double CONTRASTIVE_TEMPERATURE = 0.05;

  private static final String WHO = "a task-routed @RankExperts layer";

  final RankExpertsConfig config;
  final TaskRouterConfig router;
  private final NDManager manager;
  private final Parameter taskEmbedding;
  private final Parameter projection;
  private final Parameter offsets;

  /**
   * Creates the embeddings, the projection and the offsets through {@code add} (the layer's
   * {@code addAdapterParameter}), in that order.
   *
   * @param initialOffsets the offsets at the start, (tasks × R) row-major
   * @param manager the manager of the layer's parameters
   */
  AbstractTaskGate(RankExpertsConfig config, TaskRouterConfig router, long in, float[] initialOffsets,
      NDManager manager, Random random, BiFunction<String, NDArray, Parameter> add) {
    this.config = config;
    this.router = router;
    this.manager = manager;
    int tasks = router.tasks().size();
    taskEmbedding = add.apply(RankExpertsLinear.TASK_EMBEDDING,
        Initializers.normal(manager, new Shape(tasks, in), 1, random));
    projection = add.apply(RankExpertsLinear.GATE,
        Initializers.kaimingUniform(manager, config.count(), in, random));
    offsets = add.apply(RankExpertsLinear.TASK_GATE,
        manager.create(initialOffsets, new Shape(tasks, config.count())));
  }

  @Override
  public Map<String, Parameter> parameters() {
    Map<String, Parameter> named = new LinkedHashMap<>();
    named.put(RankExpertsLinear.TASK_EMBEDDING, taskEmbedding);
    named.put(RankExpertsLinear.GATE, projection);
    named.put(RankExpertsLinear.TASK_GATE, offsets);
    return named;
  }

  /**
   * Row {@code task} of the embeddings and of the offsets; the gate projection is every task's, so
   * it is not among them.
   */
  @Override
  public Map<String, AdapterLayer.TaskRows> taskRows(int task) {
    Map<String, AdapterLayer.TaskRows> own = new LinkedHashMap<>();
    own.put(RankExpertsLinear.TASK_EMBEDDING, new AdapterLayer.TaskRows(task, task + 1));
    own.put(RankExpertsLinear.TASK_GATE, new AdapterLayer.TaskRows(task, task + 1));
    return own;
  }

  /** Per-row gates (batch, 1, ..., 1, R) from each row's task. */
  @Override
  public final NDArray gates(ParameterStore store, NDArray input, boolean training) {
    RoutingContext routing = RoutingContext.require(WHO);
    long rows = input.getShape().get(0);
    NDArray taskIds = RoutingContext.requireTaskIds(WHO, router.tasks().size(), rows);
    NDArray oneHot = taskIds.oneHot(router.tasks().size()).toType(input.getDataType(), false);
    NDArray embeddings = oneHot.matMul(store.getValue(taskEmbedding, input.getDevice(), training));
    NDArray rowOffsets = oneHot.matMul(store.getValue(offsets, input.getDevice(), training));
    NDArray scores =
        AdaptedLinear.project(store, embeddings, projection, training).add(rowOffsets).softmax(-1);
    NDArray hard = hardMask(store, scores, oneHot, routing, training);
    if (router.contrastive() > 0 && training) {
      routing.addAuxiliaryLoss("contrastive", contrastiveLoss(store, input, oneHot, training));
    }
    NDArray gates = RankExpertsLinear.straightThrough(hard, scores);
    return gates.reshape(broadcastShape(input, rows));
  }

  /**
   * The 0/1 mask of the experts each row uses, from its scores; may add auxiliary losses.
   *
   * @param scores (rows, R) each row's soft scores
   * @param oneHot (rows, tasks) each row's task
   */
  abstract NDArray hardMask(
      ParameterStore store, NDArray scores, NDArray oneHot, RoutingContext routing, boolean training);

  /** How many of its best-scored experts task {@code task} uses now. */
  abstract int expertsUsed(int task, NDManager scratch);

  @Override
  public final Optional<TaskRouterConfig> router() {
    return Optional.of(router);
  }

  @Override
  public final int[] selectedExperts(int task) {
    try (NDManager scratch = manager.newSubManager()) {
      NDArray embedding = taskEmbedding.getArray().get(new NDIndex("{}:{}", task, task + 1));
      embedding.attach(scratch);
      NDArray taskOffsets = offsets.getArray().get(task);
      taskOffsets.attach(scratch);
      NDArray logits = Linear.linear(embedding, projection.getArray()).singletonOrThrow().squeeze(0)
          .add(taskOffsets);
      int used = expertsUsed(task, scratch);
      long[] order = logits.argSort(-1, false).toLongArray();
      return Arrays.stream(order).limit(used).mapToInt(Math::toIntExact).toArray();
    }
  }

  @Override
  public final void addToRecord(Map<String, Object> record) {
    record.put("routing", BY_TASK);
    record.put("adaptive", router.adaptive());
    record.put("contrastive", router.contrastive());
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
    NDManager inputManager = input.getManager();
    NDArray embeddings = inputManager.eye(router.tasks().size()).toType(input.getDataType(), false)
        .matMul(store.getValue(taskEmbedding, input.getDevice(), training));
    NDArray logits = unit(states).matMul(unit(embeddings).transpose())
        .div(inputManager.create((float) CONTRASTIVE_TEMPERATURE).toType(input.getDataType(), false));
    NDArray picked = logits.logSoftmax(-1).mul(oneHot).sum(new int[] {-1});
    return picked.mean()
        .mul(inputManager.create((float) -router.contrastive()).toType(input.getDataType(), false));
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
}
