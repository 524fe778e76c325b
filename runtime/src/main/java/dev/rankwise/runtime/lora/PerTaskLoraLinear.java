package dev.rankwise.runtime.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import dev.rankwise.runtime.AdaptedLinear;
import dev.rankwise.runtime.LowRankFactors;
import dev.rankwise.runtime.internal.RoutingContext;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One decomposed LoRA per task ({@code @Lora(perTask = true)}), as PEFT's mixed-adapter batches:
 * each row of a batch gets the update of its own task. Parameters are named per task, {@code
 * lora_A.<task>}, {@code lora_T.<task>}, {@code lora_B.<task>}, so each task's adapter can be
 * skipped, saved and merged on its own.
 */
public final class PerTaskLoraLinear extends AdaptedLinear {

  private final LoraConfig config;
  private final TaskRouterConfig router;
  private final List<LoraUpdate> updates = new ArrayList<>();

  private PerTaskLoraLinear(Linear base, LoraConfig config, TaskRouterConfig router, long seed) {
    super(base);
    this.config = config;
    this.router = router;
    Random random = new Random(seed);
    for (String task : router.tasks()) {
      updates.add(new LoraUpdate(config, inFeatures(), outFeatures(), "." + task, weightManager(),
          random, this::addAdapterParameter));
    }
  }

  /** Wraps an initialised linear layer in one decomposed LoRA per task of {@code router}. */
  public static PerTaskLoraLinear wrap(Linear base, LoraConfig config, TaskRouterConfig router, long seed) {
    return new PerTaskLoraLinear(base, config, router, seed);
  }

  @Override
  public LoraConfig config() {
    return config;
  }

  /** The task routing. */
  public TaskRouterConfig router() {
    return router;
  }

  @Override
  public Map<String, Parameter> adapterParameters() {
    Map<String, Parameter> named = new LinkedHashMap<>();
    updates.forEach(update -> named.putAll(update.parameters()));
    return named;
  }

  /** The task's own {@code lora_A.<task>}, {@code lora_T.<task>} and {@code lora_B.<task>}, whole. */
  @Override
  public Map<String, TaskRows> taskParameters(int task) {
    Map<String, TaskRows> own = new LinkedHashMap<>();
    updates.get(task).parameters().forEach((name, parameter) ->
        own.put(name, new TaskRows(0, parameter.getArray().getShape().get(0))));
    return own;
  }

  @Override
  public Map<String, Object> fileRecord() {
    return config.fileRecord();
  }

  @Override
  protected LowRank lowRank(ParameterStore store, NDArray input, boolean training) {
    NDArray taskIds = RoutingContext.requireTaskIds(
        "a per-task @Lora layer", updates.size(), input.getShape().get(0));
    NDArray adapterInput = dropout(input, config.dropout(), training);
    long[] rowShape = new long[input.getShape().dimension()];
    java.util.Arrays.fill(rowShape, 1);
    rowShape[0] = input.getShape().get(0);
    // Each task's hidden rows, zero outside its own rows, side by side; its B' side by side to match:
    // one product adds every task's update, whatever the mix of the batch.
    NDList hidden = new NDList(updates.size());
    NDList up = new NDList(updates.size());
    for (int task = 0; task < updates.size(); task++) {
      NDArray rows = taskIds.eq(task).toType(input.getDataType(), false).reshape(rowShape);
      hidden.add(updates.get(task).hidden(store, adapterInput, training).mul(rows));
      up.add(updates.get(task).up(store, input.getDevice(), training));
    }
    // NDArrays.concat of a list of one answers with duplicate(), which autograd does not see through:
    // a declaration of one task would never train. One task's terms are used as they are.
    return hidden.size() == 1
        ? new LowRank(hidden.get(0), up.get(0))
        : new LowRank(NDArrays.concat(hidden, -1), NDArrays.concat(up, 1));
  }


  /** The task's own update as a plain LoRA of rank {@code min(a, b)}. */
  @Override
  public LowRankFactors plainLora(int task, NDManager manager) {
    return updates.get(task).factors(manager);
  }

  /** The update of one task, shape (out, in). */
  public NDArray taskDelta(int task, NDManager manager) {
    return updates.get(task).delta(manager);
  }

  @Override
  public void merge() {
    throw new IllegalStateException("per-task LoRA merges one task at a time: call mergeTask(task)");
  }

  @Override
  public void mergeTask(int task) {
    try (NDManager scratch = weightManager().newSubManager()) {
      mergeDelta(taskDelta(task, scratch), "the LoRA of task '" + router.tasks().get(task) + "'");
    }
  }
}
