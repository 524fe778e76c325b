package dev.rankwise.runtime.train;

import java.util.List;
import java.util.Optional;

/**
 * What a run did: the loss and learning rate of every step, the evaluations, and its speed.
 *
 * @param losses training loss of each step (NaN for a skipped step)
 * @param learningRates learning rate of each step
 * @param evaluations evaluations in step order (empty without evaluation data)
 * @param seconds wall time of the run
 * @param skippedSteps steps skipped for a non-finite loss or gradient ({@link TrainingConfig.OnNonFinite#SKIP})
 */
public record TrainingResult(
    List<Double> losses, List<Double> learningRates, List<Evaluation> evaluations, double seconds,
    List<Integer> skippedSteps) {

  /** Copies the lists. */
  public TrainingResult {
    losses = List.copyOf(losses);
    learningRates = List.copyOf(learningRates);
    evaluations = List.copyOf(evaluations);
    skippedSteps = List.copyOf(skippedSteps);
  }

  /** Optimizer steps taken. */
  public int steps() {
    return losses.size();
  }

  /** Steps per second over the whole run. */
  public double stepsPerSecond() {
    return seconds > 0 ? steps() / seconds : 0;
  }

  /** The last evaluation, if there was evaluation data. */
  public Optional<Evaluation> finalEvaluation() {
    return evaluations.isEmpty() ? Optional.empty() : Optional.of(evaluations.get(evaluations.size() - 1));
  }
}
