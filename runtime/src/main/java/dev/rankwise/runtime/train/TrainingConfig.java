package dev.rankwise.runtime.train;

import static dev.rankwise.runtime.ConfigChecks.require;

/**
 * Validated settings of a fine-tuning run.
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
 * @param evaluateEvery evaluate every this many steps; 0 evaluates only at the end
 * @param progress show a progress bar on standard error
 * @param onNonFinite what a step with a NaN or infinite loss or gradient norm does
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
    int evaluateEvery,
    boolean progress,
    OnNonFinite onNonFinite) {

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
    require(evaluateEvery >= 0, "evaluateEvery must be >= 0 (0 = at the end), got " + evaluateEvery);
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
    private int evaluateEvery;
    private boolean progress = true;
    private OnNonFinite onNonFinite = OnNonFinite.STOP;

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

    /** Evaluates every this many steps; default 0, only at the end. */
    public Builder optEvaluateEvery(int evaluateEvery) {
      this.evaluateEvery = evaluateEvery;
      return this;
    }

    /** Shows or hides the progress bar; default shown. */
    public Builder optProgress(boolean progress) {
      this.progress = progress;
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
          warmupSteps, decay, finalRate, maxGradNorm, seed, evaluateEvery, progress, onNonFinite);
    }
  }
}
