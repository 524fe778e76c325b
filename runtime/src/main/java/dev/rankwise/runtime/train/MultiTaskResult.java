package dev.rankwise.runtime.train;

import java.util.List;
import java.util.Map;

/**
 * What a multi-task run did.
 *
 * @param losses the objective of each step (task losses, without auxiliary losses; NaN for a skipped step)
 * @param taskLosses each task's loss at each step that was not skipped, by task
 * @param auxiliaryLosses each auxiliary loss at each step that was not skipped, by name ("balance", "rank", "contrastive")
 * @param metrics the test metrics of each task at the end
 * @param seconds wall time of the training (in this process, when resumed)
 * @param skippedSteps steps skipped for a non-finite loss or gradient ({@link TrainingConfig.OnNonFinite#SKIP})
 */
public record MultiTaskResult(
    List<Double> losses,
    Map<String, List<Double>> taskLosses,
    Map<String, List<Double>> auxiliaryLosses,
    List<TaskMetrics> metrics,
    double seconds,
    List<Integer> skippedSteps) {

  /** Optimizer steps taken. */
  public int steps() {
    return losses.size();
  }
}
