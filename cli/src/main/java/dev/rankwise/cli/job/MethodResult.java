package dev.rankwise.cli.job;

import dev.rankwise.runtime.train.TaskMetrics;
import java.util.List;
import java.util.Map;

/**
 * What training one method did.
 *
 * @param id the method's command-line id ({@code probe} for the linear probe)
 * @param label the method's name in tables
 * @param adapterParameters trainable adapter parameters (heads not counted)
 * @param losses the training objective of each step
 * @param metrics each task's test metrics after training
 * @param selectedExperts for rank experts, the experts each task selected, by layer then task
 * @param seconds wall time of training and evaluation
 * @param skippedSteps steps skipped for a non-finite loss or gradient (their losses are NaN)
 */
public record MethodResult(
    String id, String label, long adapterParameters, List<Double> losses, List<TaskMetrics> metrics,
    Map<String, Map<String, int[]>> selectedExperts, double seconds, List<Integer> skippedSteps) {

  /** The metrics of a task. */
  public TaskMetrics metrics(String task) {
    return metrics.stream().filter(m -> m.task().equals(task)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no metrics for task '" + task + "'"));
  }
}
