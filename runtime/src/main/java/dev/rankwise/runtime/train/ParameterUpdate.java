package dev.rankwise.runtime.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import java.util.ArrayList;
import java.util.List;

/**
 * The update half of a training step, shared by the single- and multi-task loops: AdamW on every
 * trainable parameter after global-norm clipping, refused when the gradient norm is not finite.
 * The optimizer and its lazily created state live here, outside every per-step scope (DESIGN §7).
 */
final class ParameterUpdate {

  private final List<Parameter> trainable;
  private final Optimizer optimizer;
  private final double maxGradNorm;

  ParameterUpdate(List<Parameter> trainable, TrainingConfig config, LearningRateSchedule schedule) {
    if (trainable.isEmpty()) {
      throw new IllegalArgumentException("nothing to train: the list of trainable parameters is empty");
    }
    this.trainable = List.copyOf(trainable);
    this.maxGradNorm = config.maxGradNorm();
    this.optimizer = Optimizer.adamW()
        .optLearningRateTracker(schedule)
        .optWeightDecays((float) config.weightDecay())
        .build();
    for (Parameter parameter : trainable) {
      parameter.getArray().setRequiresGradient(true);
    }
  }

  /**
   * Clips the gradients of the backward pass just run and applies AdamW to every trainable
   * parameter (the update also zeroes the gradients, which the collector never does).
   *
   * @param step the 1-based step, for messages
   * @param stepManager owns the step's gradient handles
   * @throws NonFiniteLossException if the gradient norm is not finite; no weight changes
   */
  void apply(int step, NDManager stepManager) {
    List<NDArray> gradients = new ArrayList<>(trainable.size());
    for (Parameter parameter : trainable) {
      NDArray gradient = parameter.getArray().getGradient();
      gradient.attach(stepManager);
      gradients.add(gradient);
    }
    double norm = GradientClipping.clip(gradients, maxGradNorm);
    if (!Double.isFinite(norm)) {
      // The collector never zeroes gradients; leave none behind for a caller that goes on.
      gradients.forEach(gradient -> gradient.zerosLike().copyTo(gradient));
      throw new NonFiniteLossException(step, "gradient norm", norm);
    }
    for (int i = 0; i < trainable.size(); i++) {
      Parameter parameter = trainable.get(i);
      optimizer.update(parameter.getId(), parameter.getArray(), gradients.get(i));
    }
  }
}
