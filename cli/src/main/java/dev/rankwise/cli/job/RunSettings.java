package dev.rankwise.cli.job;

import dev.rankwise.runtime.train.TaskSampling;
import dev.rankwise.runtime.train.TaskMetrics;
import dev.rankwise.runtime.train.TrainingConfig;

/**
 * The sizes and hyper-parameters of a main-job run.
 *
 * @param trainRows training rows per task, a seeded random subset (0 = all)
 * @param testRows test rows per task, a seeded random subset (0 = all)
 * @param maxLength tokens per text
 * @param epochs passes over the largest task's training rows
 * @param batchSize rows per step, shared equally among the tasks
 * @param learningRate AdamW's peak learning rate for adapters and heads
 * @param probeSteps full-batch steps of the linear probe
 * @param seed seed of data subsets, initialisation and shuffling
 */
public record RunSettings(
    int trainRows, int testRows, int maxLength, int epochs, int batchSize, double learningRate,
    int probeSteps, long seed) {

  /** The demo's default run: ≤ 10 minutes on two cores. */
  public static RunSettings standard(long seed) {
    return new RunSettings(1200, 0, 96, 1, 32, 5e-3, 300, seed);
  }

  /** The demo's quick run: ≤ 3 minutes on two cores. */
  public static RunSettings quick(long seed) {
    return new RunSettings(300, 300, 64, 2, 32, 5e-3, 300, seed);
  }

  /** The same run with another seed. */
  public RunSettings withSeed(long newSeed) {
    return new RunSettings(trainRows, testRows, maxLength, epochs, batchSize, learningRate, probeSteps, newSeed);
  }

  /** The trainer's settings for this run. */
  public TrainingConfig trainingConfig() {
    return trainingConfig(TrainingConfig.OnNonFinite.STOP);
  }

  /** As {@link #trainingConfig()}, with what a step with a non-finite loss or gradient does. */
  public TrainingConfig trainingConfig(TrainingConfig.OnNonFinite onNonFinite) {
    return trainingConfig(onNonFinite, 0);
  }

  /** As {@link #trainingConfig(TrainingConfig.OnNonFinite)}, stopping after {@code maxSteps} (0: no limit). */
  public TrainingConfig trainingConfig(TrainingConfig.OnNonFinite onNonFinite, int maxSteps) {
    return builder(onNonFinite, maxSteps).build();
  }

  /**
   * As {@link #trainingConfig(TrainingConfig.OnNonFinite)}, evaluating on the validation rows every
   * {@code evaluateEvery} steps and ending with the weights of the evaluation with the lowest
   * validation loss.
   */
  public TrainingConfig selectingOnValidation(TrainingConfig.OnNonFinite onNonFinite, int evaluateEvery) {
    return builder(onNonFinite, 0).optEvaluateEvery(evaluateEvery).optKeepBest(true).build();
  }

  /**
   * Training to convergence: validation accuracy read every {@code evaluateEvery} steps, a stop after
   * {@code patience} readings without a better one (or after {@link #epochs}), and the weights of the
   * best reading kept.
   */
  public TrainingConfig converging(int evaluateEvery, int patience) {
    return builder(TrainingConfig.OnNonFinite.STOP, 0).optEvaluateEvery(evaluateEvery).optKeepBest(true)
        .optBestMetric(TaskMetrics.Metric.ACCURACY).optEarlyStopping(patience).build();
  }

  private TrainingConfig.Builder builder(TrainingConfig.OnNonFinite onNonFinite, int maxSteps) {
    return TrainingConfig.builder()
        .setLearningRate(learningRate)
        .optEpochs(epochs)
        .optBatchSize(batchSize)
        .optWarmupSteps(10)
        .optDecay(TrainingConfig.Decay.LINEAR, 0)
        .optMaxGradNorm(1.0)
        .optSeed(seed)
        .optOnNonFinite(onNonFinite)
        .optMaxSteps(maxSteps);
  }

  /** Every task gets the same share of each batch, however many rows it has. */
  public TaskSampling sampling() {
    return new TaskSampling.RoundRobin();
  }
}
