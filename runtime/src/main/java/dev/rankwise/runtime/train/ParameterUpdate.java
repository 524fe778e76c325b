package dev.rankwise.runtime.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import dev.rankwise.runtime.AdapterLayer.TaskRows;
import dev.rankwise.runtime.internal.ParameterValues;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The update half of a training step of {@link TaskTrainer}: AdamW on every
 * trainable parameter after global-norm clipping, refused when the gradient norm is not finite.
 * The optimizer's state lives in the run's manager, outside every per-step scope (docs/DESIGN.md §7).
 */
final class ParameterUpdate {

  private final Map<String, Parameter> trainable;
  private final Map<String, TaskRows> rows;
  private final AdamW optimizer;
  private final double maxGradNorm;

  /**
   * Prepares the update of the named parameters.
   *
   * @param trainable the parameters to train by stable name (the optimizer's state is keyed by it)
   * @param rows the parameters of which only these rows train, by name; every other row stays as
   *     it is, bit for bit
   * @param runManager owns the optimizer's state; must stay open for the run
   */
  ParameterUpdate(Map<String, Parameter> trainable, Map<String, TaskRows> rows, TrainingConfig config,
      LearningRateSchedule schedule, NDManager runManager) {
    if (trainable.isEmpty()) {
      throw new IllegalArgumentException("nothing to train: the list of trainable parameters is empty");
    }
    this.trainable = new LinkedHashMap<>(trainable);
    this.rows = Map.copyOf(rows);
    this.maxGradNorm = config.maxGradNorm();
    this.optimizer = new AdamW(schedule, config.weightDecay(), runManager);
    for (Parameter parameter : trainable.values()) {
      parameter.getArray().setRequiresGradient(true);
    }
  }

  /**
   * Clips the gradients of the backward pass just run and applies AdamW to every trainable
   * parameter (the update also zeroes the gradients, which the collector never does).
   *
   * @param step the 1-based step, for messages
   * @param batch what the batch held, for messages (such as "tasks spam, finefood")
   * @param stepManager owns the step's gradient handles
   * @throws NonFiniteLossException if the gradient norm is not finite; no weight changes and the
   *     gradients are zeroed
   */
  void apply(int step, String batch, NDManager stepManager) {
    List<NDArray> whole = new ArrayList<>(trainable.size());
    List<NDArray> gradients = new ArrayList<>(trainable.size());
    for (Map.Entry<String, Parameter> parameter : trainable.entrySet()) {
      NDArray gradient = parameter.getValue().getArray().getGradient();
      gradient.attach(stepManager);
      whole.add(gradient);
      TaskRows part = rows.get(parameter.getKey());
      if (part == null) {
        gradients.add(gradient);
      } else {
        // Only these rows train: the others' gradient (a contrastive loss reaches them) neither
        // clips nor updates anything.
        NDArray rowsGradient = gradient.get(new NDIndex("{}:{}", part.from(), part.to()));
        rowsGradient.attach(stepManager);
        gradients.add(rowsGradient);
      }
    }
    double norm = GradientClipping.clip(gradients, maxGradNorm);
    if (!Double.isFinite(norm)) {
      // The collector never zeroes gradients; leave none behind for a caller that goes on.
      // Not copyTo, which makes libtorch warn (docs/DESIGN.md §7).
      whole.forEach(gradient -> {
        try (NDArray zeros = gradient.zerosLike()) {
          ParameterValues.overwrite(gradient, zeros);
        }
      });
      throw new NonFiniteLossException(step, "gradient norm of the batch (" + batch + ")", norm);
    }
    optimizer.beginUpdate();
    int i = 0;
    for (Map.Entry<String, Parameter> parameter : trainable.entrySet()) {
      TaskRows part = rows.get(parameter.getKey());
      NDArray weight = parameter.getValue().getArray();
      if (part == null) {
        optimizer.update(parameter.getKey(), weight, gradients.get(i++));
      } else {
        optimizer.update(parameter.getKey(), weight, gradients.get(i++), part);
      }
    }
  }

  /** The trained parameters by name. */
  Map<String, Parameter> parameters() {
    return trainable;
  }

  /** The optimizer, whose state checkpoints save. */
  AdamW optimizer() {
    return optimizer;
  }
}
