package dev.rankwise.runtime.train;

import static dev.rankwise.runtime.internal.ConfigChecks.require;

/**
 * Validated settings of a training run of {@link TaskTrainer}: optimizer, schedule, batches,
 * seeding, the non-finite policy, and evaluation on validation rows with keep-best and early
 * stopping (as the Hugging Face {@code TrainingArguments}).
 *
 * @param epochs passes over the training data, at least 1
 * @param maxSteps stop after this many optimizer steps even within an epoch; 0 for no limit
 * @param batchSize examples per step, at least 1
 * @param learningRate peak learning rate of AdamW, finite and positive
 * @param weightDecay AdamW's decoupled weight decay, finite and at least 0
 * @param warmupSteps steps of linear warm-up from 0 to the peak, at least 0
 * @param decay how the rate falls from the peak to {@code finalRate × learningRate} at the end
 * @param finalRate the rate at the last step as a share of the peak, in [0, 1]
 * @param maxGradNorm clip the global L2 norm of the gradients to this; 0 turns clipping off
 * @param seed seed of shuffling, dropout and anything else random in the run
 * @param shuffle deal each task's training rows in a fresh random order every pass (true), or in
 *     their order (false: full-batch training, or rows shuffled beforehand)
 * @param onNonFinite what a step with a NaN or infinite loss or gradient norm does
 * @param evaluateEvery evaluate every task on its validation rows every this many steps and after
 *     the last; 0 never evaluates during training (the test rows are evaluated at the end either way)
 * @param bestMetric the validation metric, averaged over the tasks, that picks the best evaluation
 *     for {@code keepBest} and early stopping
 * @param keepBest end with the weights of the best evaluation instead of the last step's; needs
 *     {@code evaluateEvery}
 * @param patience stop early after this many evaluations in a row without a better {@code
 *     bestMetric}; 0 never stops early; needs {@code evaluateEvery}
 */
public record TrainingConfig(
    int epochs,
    int maxSteps,
    int batchSize,
    double learningRate,
    double weightDecay,
    int warmupSteps,
    Decay decay,
    double finalRate,
    double maxGradNorm,
    long seed,
    boolean shuffle,
    OnNonFinite onNonFinite,
    int evaluateEvery,
    TaskMetrics.Metric bestMetric,
    boolean keepBest,
    int patience) {

  /** How the learning rate falls after warm-up. */
  public enum Decay {
    /** Stays at the peak. */
    CONSTANT,
    /** Falls linearly. */
    LINEAR,
    /** Follows half a cosine. */
    COSINE
  }

  /** What a step whose loss or gradient norm is NaN or infinite does; either way no weight changes. */
  public enum OnNonFinite {
    /** Stops the run with a {@link NonFiniteLossException} naming the step and task. */
    STOP,
    /**
     * Skips the batch, counts it in the result, and goes on; stops as {@link #STOP} after {@value
     * NonFiniteGuard#MAX_CONSECUTIVE_SKIPS} skipped batches in a row.
     */
    SKIP
  }

  /** Validates every value; the message names the value and what it must be. */
  public TrainingConfig {
    require(epochs >= 1, "epochs must be at least 1, got " + epochs);
    require(maxSteps >= 0, "maxSteps must be >= 0 (0 = no limit), got " + maxSteps);
    require(batchSize >= 1, "batchSize must be at least 1, got " + batchSize);
    require(Double.isFinite(learningRate) && learningRate > 0,
        "learningRate must be finite and positive, got " + learningRate);
    require(Double.isFinite(weightDecay) && weightDecay >= 0,
        "weightDecay must be finite and >= 0, got " + weightDecay);
    require(warmupSteps >= 0, "warmupSteps must be >= 0, got " + warmupSteps);
    require(decay != null, "decay must not be null");
    require(finalRate >= 0 && finalRate <= 1, "finalRate must be in [0, 1], got " + finalRate);
    require(Double.isFinite(maxGradNorm) && maxGradNorm >= 0,
        "maxGradNorm must be finite and >= 0 (0 = no clipping), got " + maxGradNorm);
    require(onNonFinite != null, "onNonFinite must not be null");
    require(evaluateEvery >= 0, "evaluateEvery must be >= 0 (0 = no evaluation during training), got "
        + evaluateEvery);
    require(bestMetric != null, "bestMetric must not be null");
    require(patience >= 0, "patience must be >= 0 (0 = no early stopping), got " + patience);
    require(evaluateEvery > 0 || !keepBest && patience == 0,
        "keepBest and patience pick evaluations, but evaluateEvery is 0: set evaluateEvery to the"
            + " steps between evaluations");
  }

  /** Whether the run evaluates on validation rows while it trains. */
  public boolean evaluates() {
    return evaluateEvery > 0;
  }

  /** Returns a builder; {@code setLearningRate} is required, the rest have common defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link TrainingConfig}. */
  public static final class Builder {
    private int epochs = 1;
    private int maxSteps;
    private int batchSize = 32;
    private double learningRate = Double.NaN;
    private double weightDecay = 0.01;
    private int warmupSteps;
    private Decay decay = Decay.LINEAR;
    private double finalRate;
    private double maxGradNorm = 1.0;
    private long seed;
    private boolean shuffle = true;
    private OnNonFinite onNonFinite = OnNonFinite.STOP;
    private int evaluateEvery;
    private TaskMetrics.Metric bestMetric = TaskMetrics.Metric.LOSS;
    private boolean keepBest;
    private int patience;

    private Builder() {}

    /** Sets the peak learning rate (required). */
    public Builder setLearningRate(double learningRate) {
      this.learningRate = learningRate;
      return this;
    }

    /** Sets the number of epochs; default 1. */
    public Builder optEpochs(int epochs) {
      this.epochs = epochs;
      return this;
    }

    /** Stops after this many steps; default 0, no limit. */
    public Builder optMaxSteps(int maxSteps) {
      this.maxSteps = maxSteps;
      return this;
    }

    /** Sets the batch size; default 32. */
    public Builder optBatchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /** Sets AdamW's weight decay; default 0.01. */
    public Builder optWeightDecay(double weightDecay) {
      this.weightDecay = weightDecay;
      return this;
    }

    /** Sets the warm-up steps; default 0. */
    public Builder optWarmupSteps(int warmupSteps) {
      this.warmupSteps = warmupSteps;
      return this;
    }

    /** Sets the decay after warm-up and the final rate as a share of the peak; default linear to 0. */
    public Builder optDecay(Decay decay, double finalRate) {
      this.decay = decay;
      this.finalRate = finalRate;
      return this;
    }

    /** Sets the global gradient-norm bound; default 1.0, 0 turns clipping off. */
    public Builder optMaxGradNorm(double maxGradNorm) {
      this.maxGradNorm = maxGradNorm;
      return this;
    }

    /** Sets the run's seed; default 0. */
    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Deals each task's rows in random order (true) or in their order (false); default true. */
    public Builder optShuffle(boolean shuffle) {
      this.shuffle = shuffle;
      return this;
    }

    /**
     * Evaluates on the tasks' validation rows every this many steps and after the last; default 0,
     * no evaluation during training.
     */
    public Builder optEvaluateEvery(int evaluateEvery) {
      this.evaluateEvery = evaluateEvery;
      return this;
    }

    /** Sets the validation metric that picks the best evaluation; default {@link TaskMetrics.Metric#LOSS}. */
    public Builder optBestMetric(TaskMetrics.Metric bestMetric) {
      this.bestMetric = bestMetric;
      return this;
    }

    /** Ends with the best evaluation's weights (true) or the last step's; default false. */
    public Builder optKeepBest(boolean keepBest) {
      this.keepBest = keepBest;
      return this;
    }

    /**
     * Stops after {@code patience} evaluations in a row without a better best metric; default 0,
     * never stops early.
     */
    public Builder optEarlyStopping(int patience) {
      this.patience = patience;
      return this;
    }

    /** Sets what a step with a non-finite loss or gradient norm does; default {@link OnNonFinite#STOP}. */
    public Builder optOnNonFinite(OnNonFinite onNonFinite) {
      this.onNonFinite = onNonFinite;
      return this;
    }

    /** Validates and returns the config. */
    public TrainingConfig build() {
      return new TrainingConfig(epochs, maxSteps, batchSize, learningRate, weightDecay,
          warmupSteps, decay, finalRate, maxGradNorm, seed, shuffle, onNonFinite, evaluateEvery,
          bestMetric, keepBest, patience);
    }
  }
}
