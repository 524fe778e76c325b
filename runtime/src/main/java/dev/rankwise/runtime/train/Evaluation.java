package dev.rankwise.runtime.train;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Every task's metrics on its validation rows after {@code step} optimizer steps: one evaluation
 * of a run that evaluates every {@link TrainingConfig#evaluateEvery()} steps.
 *
 * @param step optimizer steps taken when it was measured, from 1
 * @param metrics each task's metrics, in task order
 */
public record Evaluation(int step, List<TaskMetrics> metrics) {

  /** Copies the list. */
  public Evaluation {
    metrics = List.copyOf(metrics);
  }

  /** The metric averaged over the tasks, each task weighing the same: what ranks evaluations. */
  public double score(TaskMetrics.Metric metric) {
    return metrics.stream().mapToDouble(metric::of).average().orElse(Double.NaN);
  }

  @Override
  public String toString() {
    return "step " + step + ": "
        + metrics.stream().map(TaskMetrics::toString).collect(Collectors.joining("; "));
  }
}
