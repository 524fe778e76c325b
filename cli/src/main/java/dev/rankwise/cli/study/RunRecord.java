package dev.rankwise.cli.study;

import dev.rankwise.runtime.train.TaskMetrics;
import java.util.Map;

/**
 * One finished run of a study, as a line of the results file.
 *
 * @param cell what ran
 * @param adapterParameters trainable adapter parameters
 * @param steps optimizer steps
 * @param finalLoss the mean training objective of the last tenth of the steps
 * @param seconds wall time of training and evaluation
 * @param metrics each task's test metrics, by task
 */
public record RunRecord(
    Cell cell, long adapterParameters, int steps, double finalLoss, double seconds,
    Map<String, TaskMetrics> metrics) {

  /** Mean test accuracy over the run's tasks. */
  public double meanAccuracy() {
    return metrics.values().stream().mapToDouble(TaskMetrics::accuracy).average().orElseThrow();
  }
}
