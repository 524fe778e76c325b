package dev.rankwise.runtime.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.rankwise.runtime.AdapterLayer.TaskRows;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW exactly as DJL's {@code ai.djl.training.optimizer.AdamW} computes it — the same fused
 * engine update with the same arguments (β1 0.9, β2 0.999, ε 1e-8, bias correction folded into the
 * rate) — but with its moments and update count in the open, keyed by stable parameter names, so
 * that a checkpoint can save them and a resumed run continue bit for bit. DJL keeps them private
 * and keys them by random parameter ids.
 */
final class AdamW {

  private static final float BETA1 = 0.9f;
  private static final float BETA2 = 0.999f;
  private static final float EPSILON = 1e-8f;

  private final LearningRateSchedule schedule;
  private final float weightDecay;
  private final NDManager stateManager;
  private final Map<String, NDArray> means = new LinkedHashMap<>();
  private final Map<String, NDArray> variances = new LinkedHashMap<>();
  private int updates;

  /**
   * Creates the optimizer; its moments live in {@code stateManager}, which must outlive the run.
   */
  AdamW(LearningRateSchedule schedule, double weightDecay, NDManager stateManager) {
    this.schedule = schedule;
    this.weightDecay = (float) weightDecay;
    this.stateManager = stateManager;
  }

  /** Starts the next update; every {@link #update} until the next call uses its step count. */
  void beginUpdate() {
    updates++;
  }

  /** Updates from the gradient in place, as DJL's AdamW does for update number {@link #updates()}. */
  void update(String name, NDArray weight, NDArray gradient) {
    NDArray mean = means.computeIfAbsent(name, key -> state(weight));
    NDArray variance = variances.computeIfAbsent(name, key -> state(weight));
    fused(new NDList(weight, gradient, mean, variance), weight);
  }

  /**
   * Updates only {@code rows} of the weight, from their gradient: the same fused update on those
   * rows of the weight and of its moments, written back into those rows alone. Every other row of
   * the weight and the moments is never written, so weight decay and momentum cannot move it (the
   * rows of the tasks a model had before {@code AdaptedModel.addTasks}). The moments keep the
   * weight's whole shape, so checkpoints hold them as for any parameter.
   *
   * @param gradient the gradient of {@code rows} only
   */
  void update(String name, NDArray weight, NDArray gradient, TaskRows rows) {
    NDArray mean = means.computeIfAbsent(name, key -> state(weight));
    NDArray variance = variances.computeIfAbsent(name, key -> state(weight));
    NDIndex index = new NDIndex("{}:{}", rows.from(), rows.to());
    try (NDManager scratch = stateManager.newSubManager()) {
      NDArray part = copy(weight, index, scratch);
      NDArray partMean = copy(mean, index, scratch);
      NDArray partVariance = copy(variance, index, scratch);
      fused(new NDList(part, gradient, partMean, partVariance), weight);
      overwriteRows(weight, index, part, scratch);
      overwriteRows(mean, index, partMean, scratch);
      overwriteRows(variance, index, partVariance, scratch);
    }
  }

  /**
   * {@code target.detach()[rows] = values}: {@code index_put_} into the same storage, allowed on a
   * leaf that requires grad, and not the native {@code torchSet} that makes libtorch warn
   * (docs/DESIGN.md §7, as {@code internal.ParameterValues} for whole arrays).
   */
  private static void overwriteRows(NDArray target, NDIndex rows, NDArray values, NDManager scratch) {
    NDArray alias = target.stopGradient();
    alias.attach(scratch);
    alias.set(rows, values);
  }

  /** The rows of {@code array} as a new array of {@code manager}, sharing no memory with it. */
  private static NDArray copy(NDArray array, NDIndex index, NDManager manager) {
    NDArray rows = array.get(index);
    rows.attach(manager);
    NDArray copy = rows.stopGradient().duplicate();
    copy.attach(manager);
    return copy;
  }

  /**
   * DJL's fused AdamW on {@code inputs} (weight, gradient, mean, variance), in place; afterwards the
   * engine zeroes {@code parameter}'s gradient, which the collector never does.
   */
  private void fused(NDList inputs, NDArray parameter) {
    int t = updates;
    double coefficient1 = 1.0 - Math.pow(BETA1, t);
    double coefficient2 = 1.0 - Math.pow(BETA2, t);
    float rate = schedule.getNewValue(t);
    float biasCorrected = (float) (rate * Math.sqrt(coefficient2) / coefficient1);
    inputs.get(0).getNDArrayInternal().adamUpdate(inputs, new NDList(parameter),
        rate, biasCorrected, weightDecay, 1.0f, -1.0f, BETA1, BETA2, EPSILON, true, true);
  }

  private NDArray state(NDArray weight) {
    return stateManager.zeros(weight.getShape(), weight.getDataType());
  }

  /** Updates taken so far (the {@code t} of the bias correction and the schedule). */
  int updates() {
    return updates;
  }

  /** The first moments by parameter name (live arrays; copy before keeping). */
  Map<String, NDArray> means() {
    return means;
  }

  /** The second moments by parameter name (live arrays; copy before keeping). */
  Map<String, NDArray> variances() {
    return variances;
  }

  /** Replaces the state with a saved one: the update count and each parameter's two moments. */
  void restore(int updates, Map<String, float[]> savedMeans, Map<String, float[]> savedVariances,
      Map<String, Shape> shapes) {
    this.updates = updates;
    means.values().forEach(NDArray::close);
    variances.values().forEach(NDArray::close);
    means.clear();
    variances.clear();
    savedMeans.forEach((name, values) -> means.put(name, stateManager.create(values, shapes.get(name))));
    savedVariances.forEach(
        (name, values) -> variances.put(name, stateManager.create(values, shapes.get(name))));
  }
}
