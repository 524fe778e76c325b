package dev.rankwise.cli.study;

import dev.rankwise.runtime.train.TaskMetrics;
import java.util.Map;

/**
 * One finished run of a study, as a line of the results file.
 *
 * @param cell what ran
 * @param adapterParameters trainable adapter parameters
 * @param steps optimizer steps taken
 * @param finalLoss the mean training objective of the last tenth of the steps
 * @param seconds wall time of training and evaluation
 * @param metrics each task's metrics, by task: on its test rows, or for a tuning run ({@link
 *     Cell#tuning}) on its validation rows
 * @param learningRate the peak learning rate the run trained with (0 in the first study's records,
 *     which all trained with {@link StudyGrid#LEARNING_RATE}; see {@link #peakLearningRate})
 */
public record RunRecord(
    Cell cell, long adapterParameters, int steps, double finalLoss, double seconds,
    Map<String, TaskMetrics> metrics, double learningRate) {

  /** A record of the first study's grid, which did not record its learning rate. */
  public RunRecord(Cell cell, long adapterParameters, int steps, double finalLoss, double seconds,
      Map<String, TaskMetrics> metrics) {
    this(cell, adapterParameters, steps, finalLoss, seconds, metrics, 0);
  }

  /** The peak learning rate: as recorded, or the first study's for its records, which did not record it. */
  public double peakLearningRate() {
    return learningRate > 0 ? learningRate : StudyGrid.LEARNING_RATE;
  }

  /** Mean accuracy over the run's tasks. */
  public double meanAccuracy() {
    return metrics.values().stream().mapToDouble(TaskMetrics::accuracy).average().orElseThrow();
  }
}
