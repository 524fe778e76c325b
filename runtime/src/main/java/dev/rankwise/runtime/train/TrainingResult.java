package dev.rankwise.runtime.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a {@link TaskTrainer} run did, for one task or many.
 *
 * @param losses the objective of each step (the tasks' losses weighted by their batch shares,
 *     without auxiliary losses; NaN for a skipped step)
 * @param taskLosses each task's loss at each step that was not skipped, by task
 * @param auxiliaryLosses each auxiliary loss at each step that was not skipped, by name ("balance",
 *     "rank", "contrastive")
 * @param learningRates the learning rate of each step
 * @param evaluations the validation evaluations in step order (empty unless the run evaluates)
 * @param bestStep the step of the best evaluation by {@link TrainingConfig#bestMetric()}, 0
 *     without evaluations; with {@link TrainingConfig#keepBest()} the model ends with its weights
 * @param stoppedEarly whether early stopping ended the run before its last step
 * @param metrics each task's test metrics at the end (with the kept weights), in task order
 * @param seconds wall time of training and evaluation (in this process, when resumed)
 * @param skippedSteps steps skipped for a non-finite loss or gradient ({@link
 *     TrainingConfig.OnNonFinite#SKIP})
 */
public record TrainingResult(
    List<Double> losses,
    Map<String, List<Double>> taskLosses,
    Map<String, List<Double>> auxiliaryLosses,
    List<Double> learningRates,
    List<Evaluation> evaluations,
    int bestStep,
    boolean stoppedEarly,
    List<TaskMetrics> metrics,
    double seconds,
    List<Integer> skippedSteps) {

  /** Copies the collections, so the record does not change under its holder. */
  public TrainingResult {
    losses = List.copyOf(losses);
    taskLosses = copy(taskLosses);
    auxiliaryLosses = copy(auxiliaryLosses);
    learningRates = List.copyOf(learningRates);
    evaluations = List.copyOf(evaluations);
    metrics = List.copyOf(metrics);
    skippedSteps = List.copyOf(skippedSteps);
  }

  /** Optimizer steps taken, skipped steps included. */
  public int steps() {
    return losses.size();
  }

  /**
   * The test metrics of a task.
   *
   * @throws IllegalArgumentException naming the tasks there are, if the run had no such task
   */
  public TaskMetrics metrics(String task) {
    return metrics.stream().filter(m -> m.task().equals(task)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no task '" + task + "' in this run; its tasks are "
            + metrics.stream().map(TaskMetrics::task).toList()));
  }

  /** The best evaluation, if the run evaluated. */
  public Optional<Evaluation> bestEvaluation() {
    return evaluations.stream().filter(evaluation -> evaluation.step() == bestStep).findFirst();
  }

  private static Map<String, List<Double>> copy(Map<String, List<Double>> histories) {
    // Insertion order is the task (or first-seen) order; Map.copyOf would lose it.
    Map<String, List<Double>> copied = new LinkedHashMap<>();
    histories.forEach((name, values) -> copied.put(name, List.copyOf(values)));
    return Collections.unmodifiableMap(copied);
  }
}
